package sectorweights

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"sync"
	"testing"
)

// reference: naive per-portfolio, per-sector sums, bond after bond.
func reference(w []float64, c []int32, portfolios, sectors int) []float64 {
	out := make([]float64, portfolios*sectors)
	bonds := 0
	if portfolios > 0 {
		bonds = len(w) / portfolios
	}
	for p := 0; p < portfolios; p++ {
		for i := p * bonds; i < (p+1)*bonds; i++ {
			out[p*sectors+int(c[i])] += w[i]
		}
	}
	return out
}

func filled(n int, x float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = x
	}
	return s
}

func swError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *Error, got %v", err)
	}
	return e
}

func TestVersionAndStatusNames(t *testing.T) {
	if want := os.Getenv("SW_EXPECTED_VERSION"); want != "" && Version() != want {
		t.Errorf("Version() = %q, want %q", Version(), want)
	}
	for status, want := range map[int]string{0: "SW_OK", 4: "SW_ERROR_SECTOR_OUT_OF_RANGE", 5: "SW_ERROR_NON_FINITE", 999: "unknown status"} {
		if got := StatusName(status); got != want {
			t.Errorf("StatusName(%d) = %q, want %q", status, got, want)
		}
	}
}

func TestSumsMatchTheReferenceAndTheDropIn(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, shape := range [][3]int{{1, 1, 1}, {3, 6, 4}, {20, 5000, 18}, {2, 0, 3}, {4, 1000, 1}} {
		portfolios, bonds, sectors := shape[0], shape[1], shape[2]
		t.Run(fmt.Sprintf("%dx%dx%d", portfolios, bonds, sectors), func(t *testing.T) {
			w := make([]float64, portfolios*bonds)
			c := make([]int32, len(w))
			for i := range w {
				w[i] = rng.Float64() - 0.25
				c[i] = int32(rng.Intn(sectors))
			}
			got, err := SectorWeights(w, c, portfolios, sectors)
			if err != nil {
				t.Fatal(err)
			}
			want := reference(w, c, portfolios, sectors)
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("out[%d] = %v, reference %v", i, got[i], want[i])
				}
			}
			dropIn := filled(portfolios*sectors, 42)
			if err := CalculateSectorWeights(w, portfolios, c, bonds, dropIn, sectors); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if dropIn[i] != got[i] {
					t.Fatalf("drop-in out[%d] = %v, checked call %v", i, dropIn[i], got[i])
				}
			}
		})
	}
}

func TestErrorsNameTheStatusAndPlaceAndLeaveTheOutputAlone(t *testing.T) {
	w := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}
	out := filled(6, 42)
	e := swError(t, SectorWeightsInto(out, w, []int32{0, 1, 2, 0, 25, 1}, 2, 3))
	if e.Status != 4 || e.Name != "SW_ERROR_SECTOR_OUT_OF_RANGE" ||
		e.Message != "sector code 25 at bond 1 of portfolio 1 is outside 0..3" {
		t.Errorf("got %d %q %q", e.Status, e.Name, e.Message)
	}
	e = swError(t, CalculateSectorWeights(w, 2, []int32{0, 1, 2, 0, 25, 1}, 3, out, 3))
	if e.Name != "SW_ERROR_SECTOR_OUT_OF_RANGE" {
		t.Errorf("drop-in: %v", e)
	}
	for i, x := range out {
		if x != 42 {
			t.Fatalf("out[%d] = %v after an error", i, x)
		}
	}
	e = swError(t, SectorWeightsInto(out, []float64{0.1, 0.2, math.NaN(), 0.4, 0.5, 0.6}, []int32{0, 1, 2, 0, 1, 1}, 2, 3))
	if e.Name != "SW_ERROR_NON_FINITE" || !strings.Contains(e.Message, "bond 2 of portfolio 0") {
		t.Errorf("NaN: %v", e)
	}
	if e = swError(t, SectorWeightsInto(out, w, []int32{0, 1, 2}, 2, 3)); e.Name != "SW_ERROR_LENGTH_MISMATCH" {
		t.Errorf("short sectors: %v", e)
	}
	if err := CalculateSectorWeights(w, 2, []int32{0, 1, 2}, 3, out, 3); err == nil || errors.As(err, &e) {
		t.Errorf("drop-in with short slices: want a Go error before the call, got %v", err)
	}
}

// The message is per OS thread: many goroutines failing and succeeding at once each read their own.
func TestEachGoroutineReadsItsOwnMessage(t *testing.T) {
	w := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(bad int32) {
			defer wg.Done()
			for round := 0; round < 200; round++ {
				codes := []int32{0, 1, 2, 0, 1, 2}
				if round%2 == 1 {
					codes[bad%6] = 10 + bad
				}
				_, err := SectorWeights(w, codes, 2, 3)
				want := fmt.Sprintf("sector code %d", 10+bad)
				if (round%2 == 0) != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
					errs <- fmt.Errorf("goroutine %d round %d: %v", bad, round, err)
					return
				}
			}
		}(int32(g))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
