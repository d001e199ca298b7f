// Package sectorweights calls the sector_weights C library from Go through cgo: the article's
// drop-in calculate_sector_weights and the checked sw_sector_weights, each failure returned as an
// *Error with the library's status name (sw_status_name) and message (sw_last_error_message).
//
// It builds against an installed library found by pkg-config (`make install`, then
// PKG_CONFIG_PATH=<prefix>/lib/pkgconfig if the prefix is not a system one); at run time the
// library is found like any shared library (its soname libsector_weights.so.0; LD_LIBRARY_PATH
// for a private prefix).
package sectorweights

/*
#cgo pkg-config: sector_weights
#include <sector_weights.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Error is a status other than SW_OK: its number, C name and the library's message.
type Error struct {
	Status  int
	Name    string // e.g. "SW_ERROR_SECTOR_OUT_OF_RANGE"
	Message string // e.g. "sector code 25 at bond 1043 of portfolio 7 is outside 0..18"
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

// Version is the library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.sw_version()) }

// StatusName is the C name of a status, e.g. "SW_ERROR_NON_FINITE" for 5.
func StatusName(status int) string { return C.GoString(C.sw_status_name(C.int32_t(status))) }

// lastErrorMessage is the calling OS thread's last error message.
func lastErrorMessage() string {
	n := C.sw_last_error_message(nil, 0)
	buf := make([]byte, int(n)+1)
	C.sw_last_error_message((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	return string(buf[:n])
}

// call runs one library call and, on failure, reads its message on the same OS thread: the
// message is per thread, and a goroutine may move to another thread between two cgo calls.
func call(f func() C.SwStatus) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := int(f())
	if status == 0 {
		return nil
	}
	return &Error{Status: status, Name: StatusName(status), Message: lastErrorMessage()}
}

func f64(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(unsafe.Pointer(&s[0]))
}

func i32(s []int32) *C.int32_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.int32_t)(unsafe.Pointer(&s[0]))
}

// CalculateSectorWeights is the article's call: weights and sectors hold numPortfolios
// portfolios of numBonds bonds each, portfolio after portfolio; out receives numPortfolios rows
// of numSectors sums. The C function takes no lengths, so they are checked here first.
func CalculateSectorWeights(weights []float64, numPortfolios int, sectors []int32, numBonds int,
	out []float64, numSectors int) error {
	if len(weights) != numPortfolios*numBonds || len(sectors) != len(weights) ||
		len(out) != numPortfolios*numSectors {
		return fmt.Errorf("sectorweights: slice lengths %d, %d, %d do not match %d portfolios x %d bonds x %d sectors",
			len(weights), len(sectors), len(out), numPortfolios, numBonds, numSectors)
	}
	return call(func() C.SwStatus {
		return C.calculate_sector_weights(f64(weights), C.uintmax_t(numPortfolios), i32(sectors),
			C.uintmax_t(numBonds), f64(out), C.uintmax_t(numSectors))
	})
}

// SectorWeights returns the per-sector sums of numPortfolios equal-sized portfolios (weights and
// sectors portfolio after portfolio), numPortfolios rows of numSectors; every length is checked
// by the library.
func SectorWeights(weights []float64, sectors []int32, numPortfolios, numSectors int) ([]float64, error) {
	out := make([]float64, numPortfolios*numSectors)
	if err := SectorWeightsInto(out, weights, sectors, numPortfolios, numSectors); err != nil {
		return nil, err
	}
	return out, nil
}

// SectorWeightsInto writes the same into out, which is left exactly as it was on an error.
func SectorWeightsInto(out, weights []float64, sectors []int32, numPortfolios, numSectors int) error {
	return call(func() C.SwStatus {
		return C.sw_sector_weights(f64(weights), C.size_t(len(weights)), i32(sectors), C.size_t(len(sectors)),
			C.size_t(numPortfolios), C.size_t(numSectors), f64(out), C.size_t(len(out)))
	})
}
