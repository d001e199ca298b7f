module example.com/sectorweights

go 1.19
