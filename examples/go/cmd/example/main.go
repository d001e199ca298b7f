// `make example-go`: the article's experiment from Go (20 ETF portfolios x 50,000 bonds x 18
// sectors) through the drop-in and the checked entry point, then one bad input returned as an
// error with the library's status name and message instead of corrupting memory.
package main

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"time"

	"example.com/sectorweights/sectorweights"
)

func main() {
	const portfolios, bonds, sectors = 20, 50_000, 18
	rng := rand.New(rand.NewSource(2024))
	weights := make([]float64, portfolios*bonds)
	codes := make([]int32, portfolios*bonds)
	for p := 0; p < portfolios; p++ {
		total := 0.0
		for i := p * bonds; i < (p+1)*bonds; i++ {
			weights[i] = rng.Float64()
			codes[i] = int32(rng.Intn(sectors))
			total += weights[i]
		}
		for i := p * bonds; i < (p+1)*bonds; i++ {
			weights[i] /= total
		}
	}

	// The article's call, as its C++ callers make it.
	dropIn := make([]float64, portfolios*sectors)
	if err := sectorweights.CalculateSectorWeights(weights, portfolios, codes, bonds, dropIn, sectors); err != nil {
		fmt.Println("drop-in failed:", err)
		os.Exit(1)
	}

	// The checked entry point.
	start := time.Now()
	checked, err := sectorweights.SectorWeights(weights, codes, portfolios, sectors)
	elapsed := time.Since(start)
	if err != nil {
		fmt.Println("sector_weights failed:", err)
		os.Exit(1)
	}
	fmt.Printf("sector_weights %s from Go (cgo): %d portfolios x %d bonds x %d sectors in %.2f ms\n",
		sectorweights.Version(), portfolios, bonds, sectors, float64(elapsed.Microseconds())/1000)
	fmt.Print("portfolio 0:")
	for _, x := range checked[:sectors] {
		fmt.Printf(" %.4f", x)
	}
	fmt.Println()
	same := true
	for i := range checked {
		same = same && checked[i] == dropIn[i]
	}
	fmt.Println("drop-in and checked results identical:", same)

	codes[7*bonds+1043] = 25
	out := make([]float64, portfolios*sectors)
	err = sectorweights.SectorWeightsInto(out, weights, codes, portfolios, sectors)
	var swErr *sectorweights.Error
	if errors.As(err, &swErr) {
		fmt.Printf("bad input -> %s (status %d): %s\n", swErr.Name, swErr.Status, swErr.Message)
	}
	untouched := true
	for _, x := range out {
		untouched = untouched && x == 0
	}
	fmt.Println("output untouched:", untouched)
}
