# `make test-r`: the R binding (sector_weights.R, sw_r.c) against the library, without a test
# package (only base R). Prints one line per failed check and "N passed, M failed".
source(file.path(Sys.getenv("SECTOR_WEIGHTS_R_DIR", "examples/r"), "sector_weights.R"))

passed <- 0L; failed <- 0L
check <- function(ok, what) {
  if (isTRUE(ok)) passed <<- passed + 1L else { failed <<- failed + 1L; cat("FAILED:", what, "\n") }
}
# The condition a call raises, or NULL.
failure <- function(expr) tryCatch({ expr; NULL }, sector_weights_error = function(e) e)

# Naive per-portfolio, per-sector sums, bond after bond.
reference <- function(w, s, k) {
  out <- matrix(0, nrow(w), k)
  for (p in seq_len(nrow(w))) for (i in seq_len(ncol(w))) out[p, s[p, i] + 1] <- out[p, s[p, i] + 1] + w[p, i]
  out
}

expected <- Sys.getenv("SW_EXPECTED_VERSION")
check(expected == "" || identical(sw_version(), expected), paste("version", sw_version()))
check(identical(sw_status_name(5L), "SW_ERROR_NON_FINITE"), "sw_status_name(5)")
check(identical(sw_status_name(999L), "unknown status"), "sw_status_name(999)")

set.seed(7)
for (shape in list(c(1, 1, 1), c(3, 6, 4), c(20, 500, 18), c(4, 100, 1))) {
  p <- shape[1]; b <- shape[2]; k <- shape[3]
  w <- matrix(runif(p * b) - 0.25, nrow = p)
  s <- matrix(sample.int(k, p * b, replace = TRUE) - 1L, nrow = p)
  got <- sector_weights(w, s, k)
  name <- paste(shape, collapse = "x")
  check(isTRUE(all.equal(got, reference(w, s, k), tolerance = 1e-12)), paste(name, "checked call = reference"))
  drop_in <- calculate_sector_weights(as.vector(t(w)), p, as.vector(t(s)), b, k)
  check(identical(drop_in, as.vector(t(got))), paste(name, "drop-in = checked call, bit for bit"))
}
check(identical(sector_weights(c(0.5, 0.25, 0.25), c(2L, 0L, 2L), 3), matrix(c(0.25, 0, 0.75), 1)),
      "one portfolio as vectors")
check(identical(dim(sector_weights(matrix(0, 2, 0), matrix(0L, 2, 0), 3)), c(2L, 3L)), "portfolios without bonds")

# Errors: an R condition with the status name and the library's message.
w <- matrix(c(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), nrow = 2, byrow = TRUE)
s <- matrix(c(0L, 1L, 2L, 0L, 25L, 1L), nrow = 2, byrow = TRUE)
e <- failure(sector_weights(w, s, 3))
check(!is.null(e) && identical(e$status_name, "SW_ERROR_SECTOR_OUT_OF_RANGE") && e$status == 4L,
      paste("bad code:", e$status_name))
check(!is.null(e) && identical(conditionMessage(e),
      "SW_ERROR_SECTOR_OUT_OF_RANGE: sector code 25 at bond 1 of portfolio 1 is outside 0..3"),
      paste("bad code message:", conditionMessage(e)))
check(inherits(e, "error"), "the condition is an error (stop() and try() handle it)")
e <- failure(calculate_sector_weights(as.vector(t(w)), 2, as.vector(t(s)), 3, 3))
check(!is.null(e) && identical(e$status_name, "SW_ERROR_SECTOR_OUT_OF_RANGE"), "drop-in: bad code raises")
w_nan <- w; w_nan[1, 3] <- NA
e <- failure(sector_weights(w_nan, matrix(c(0L, 1L, 2L, 0L, 1L, 1L), nrow = 2, byrow = TRUE), 3))
check(!is.null(e) && identical(e$status_name, "SW_ERROR_NON_FINITE") && grepl("bond 2 of portfolio 0", conditionMessage(e)),
      paste("NA weight:", conditionMessage(e)))
s_na <- s; s_na[2, 2] <- NA
e <- failure(sector_weights(w, s_na, 3))
check(!is.null(e) && identical(e$status_name, "SW_ERROR_SECTOR_OUT_OF_RANGE"), "NA sector code is refused")
e <- failure(sector_weights(w, matrix(0L, 2, 2), 3))
check(!is.null(e) && identical(e$status_name, "SW_ERROR_LENGTH_MISMATCH"), paste("short sectors:", e$status_name))
e <- tryCatch(calculate_sector_weights(1:5 + 0, 2, 1:5, 3, 3), error = function(e) e)
check(grepl("pf_size \\* num_bonds", conditionMessage(e)), "drop-in lengths are checked before the call")

cat(sprintf("%d passed, %d failed\n", passed, failed))
quit(status = if (failed == 0L) 0L else 1L)
