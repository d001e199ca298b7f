# `make example-r`: the article's experiment from R (20 ETF portfolios x 50,000 bonds x 18 sectors)
# through the drop-in and the checked entry point, then one bad input raised as an R condition
# with the library's status name and message instead of corrupting memory.
source(file.path(Sys.getenv("SECTOR_WEIGHTS_R_DIR", "examples/r"), "sector_weights.R"))

set.seed(2024)
portfolios <- 20L; bonds <- 50000L; sectors <- 18L
weights <- matrix(runif(portfolios * bonds), nrow = portfolios)
weights <- weights / rowSums(weights)
codes <- matrix(sample.int(sectors, portfolios * bonds, replace = TRUE) - 1L, nrow = portfolios)

# The article's call, on the rows laid end to end.
drop_in <- calculate_sector_weights(as.vector(t(weights)), portfolios, as.vector(t(codes)), bonds, sectors)

elapsed <- system.time(checked <- sector_weights(weights, codes, sectors))[["elapsed"]]
cat(sprintf("sector_weights %s from R (.Call): %d portfolios x %d bonds x %d sectors in %.1f ms (with R's copy of the rows)\n",
            sw_version(), portfolios, bonds, sectors, 1000 * elapsed))
cat("portfolio 0:", sprintf("%.4f", checked[1, ]), "\n")
cat("drop-in and checked results identical:", identical(as.vector(t(checked)), drop_in), "\n")

codes[8, 1044] <- 25L   # bond 1043 of portfolio 7, counted from 0 as the library does
tryCatch(
  sector_weights(weights, codes, sectors),
  sector_weights_error = function(e) cat("bad input ->", conditionMessage(e), "\n")
)
