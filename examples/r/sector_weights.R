# sector_weights from R: the article's drop-in calculate_sector_weights and the checked
# sw_sector_weights of the C library libsector_weights, through a small .Call wrapper (sw_r.c).
# A failure is raised as a condition of class "sector_weights_error" carrying the library's status
# name (sw_status_name) and message (sw_last_error_message):
#
#   source("examples/r/sector_weights.R")         # loads $SECTOR_WEIGHTS_R_WRAPPER (build/lang/r/sw_r.so)
#   w <- matrix(runif(20 * 50000), nrow = 20)     # one row per portfolio
#   s <- matrix(sample(0:17, 20 * 50000, TRUE), nrow = 20)   # sector codes 0..17
#   sector_weights(w, s, 18)                      # 20 x 18
#   tryCatch(sector_weights(w, s, 10), sector_weights_error = function(e) e$status_name)
#
# Sector codes are 0-based like the C API: a factor f gives as.integer(f) - 1L and nlevels(f).
# R stores matrices column by column; the library reads portfolio after portfolio, so the rows are
# handed over as t(m) (one copy, which R's .Call needs for the type conversion anyway).

sw_r_dll <- dyn.load(Sys.getenv("SECTOR_WEIGHTS_R_WRAPPER", "build/lang/r/sw_r.so"))

# Raises the library's failure as an R condition: e$status (integer), e$status_name, conditionMessage(e).
sw_raise <- function(res, call) {
  stop(structure(
    class = c("sector_weights_error", "error", "condition"),
    list(message = paste0(res$name, ": ", res$message), call = call,
         status = res$status, status_name = res$name)
  ))
}

# The rows of a matrix (or one vector: one portfolio) portfolio after portfolio, and their count.
sw_rows <- function(x) {
  if (is.matrix(x)) list(values = as.vector(t(x)), n = nrow(x)) else list(values = as.vector(x), n = 1L)
}

# Per-sector sums: weights and sectors are matrices with one row per portfolio (or vectors for one
# portfolio); the result has one row per portfolio and num_sectors columns.
sector_weights <- function(weights, sectors, num_sectors) {
  w <- sw_rows(weights)
  s <- sw_rows(sectors)
  res <- .Call("sw_r_sector_weights", as.double(w$values), as.integer(s$values), w$n, num_sectors,
               PACKAGE = "sw_r")
  if (res$status != 0L) sw_raise(res, sys.call())
  matrix(res$out, nrow = w$n, ncol = num_sectors, byrow = TRUE)
}

# The article's call: pf_size portfolios of num_bonds bonds, weights and sectors portfolio after
# portfolio (plain vectors); returns the pf_size * num_sectors sums, portfolio after portfolio.
calculate_sector_weights <- function(weights, pf_size, sectors, num_bonds, num_sectors) {
  res <- .Call("sw_r_calculate_sector_weights", as.double(weights), pf_size, as.integer(sectors),
               num_bonds, num_sectors, PACKAGE = "sw_r")
  if (res$status != 0L) sw_raise(res, sys.call())
  res$out
}

sw_status_name <- function(status) .Call("sw_r_status_name", as.integer(status), PACKAGE = "sw_r")
sw_version <- function() .Call("sw_r_version", PACKAGE = "sw_r")
