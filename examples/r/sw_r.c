/* The C side of the R binding (sector_weights.R): .Call entry points that check R's vectors, call
 * libsector_weights and hand the status, its name (sw_status_name) and the library's message
 * (sw_last_error_message) back to R, which raises a classed condition. Built by `make test-r`:
 *   cc -shared -fPIC $(R CMD config --cppflags) -Iinclude sw_r.c -lsector_weights $(R CMD config --ldflags)
 * No R API call can fail between the library call and reading its message (R is single-threaded
 * here; the message is per thread). */
#include <stdint.h>

#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

#include "sector_weights.h"

/* A non-negative whole number from R (integer or double) as size_t; stops with an R error otherwise. */
static size_t count_arg(SEXP x, const char *what) {
    double v = Rf_asReal(x);
    if (Rf_length(x) != 1 || !R_FINITE(v) || v < 0 || v != (double)(size_t)v)
        Rf_error("%s must be one non-negative whole number", what);
    return (size_t)v;
}

/* list(out = <numeric or NULL>, status = <int>, name = <chr>, message = <chr>) */
static SEXP result(SEXP out, SwStatus status) {
    const char *names[] = {"out", "status", "name", "message", ""};
    SEXP res = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(res, 0, status == SW_OK ? out : R_NilValue);
    SET_VECTOR_ELT(res, 1, Rf_ScalarInteger(status));
    SET_VECTOR_ELT(res, 2, Rf_mkString(sw_status_name(status)));
    size_t len = sw_last_error_message(NULL, 0);
    char *msg = R_alloc(len + 1, 1);
    sw_last_error_message(msg, len + 1);
    SET_VECTOR_ELT(res, 3, Rf_mkString(msg));
    UNPROTECT(1);
    return res;
}

/* sw_sector_weights(weights, sectors, num_portfolios, num_sectors): weights double, sectors integer,
 * each portfolio after portfolio. */
static SEXP r_sector_weights(SEXP weights, SEXP sectors, SEXP num_portfolios, SEXP num_sectors) {
    if (TYPEOF(weights) != REALSXP || TYPEOF(sectors) != INTSXP)
        Rf_error("weights must be double and sectors integer");
    size_t p = count_arg(num_portfolios, "num_portfolios"), s = count_arg(num_sectors, "num_sectors");
    if (s != 0 && p > (size_t)R_XLEN_T_MAX / s) Rf_error("num_portfolios * num_sectors is too large");
    SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)(p * s)));
    SwStatus status = sw_sector_weights(REAL(weights), (size_t)XLENGTH(weights), INTEGER(sectors),
                                        (size_t)XLENGTH(sectors), p, s, REAL(out), (size_t)XLENGTH(out));
    SEXP res = result(out, status);
    UNPROTECT(1);
    return res;
}

/* The article's calculate_sector_weights(weights, pf_size, sectors, num_bonds, out, num_sectors).
 * The C function takes no lengths: they are checked here first. */
static SEXP r_calculate_sector_weights(SEXP weights, SEXP pf_size, SEXP sectors, SEXP num_bonds,
                                       SEXP num_sectors) {
    if (TYPEOF(weights) != REALSXP || TYPEOF(sectors) != INTSXP)
        Rf_error("weights must be double and sectors integer");
    size_t p = count_arg(pf_size, "pf_size"), b = count_arg(num_bonds, "num_bonds");
    size_t s = count_arg(num_sectors, "num_sectors");
    if ((b != 0 && p > (size_t)R_XLEN_T_MAX / b) || (s != 0 && p > (size_t)R_XLEN_T_MAX / s))
        Rf_error("the sizes are too large");
    if ((size_t)XLENGTH(weights) != p * b || XLENGTH(sectors) != XLENGTH(weights))
        Rf_error("weights and sectors must hold pf_size * num_bonds = %.0f elements", (double)(p * b));
    SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)(p * s)));
    SwStatus status = calculate_sector_weights(REAL(weights), p, INTEGER(sectors), b, REAL(out), s);
    SEXP res = result(out, status);
    UNPROTECT(1);
    return res;
}

static SEXP r_status_name(SEXP status) { return Rf_mkString(sw_status_name(Rf_asInteger(status))); }

static SEXP r_version(void) { return Rf_mkString(sw_version()); }

/* R's registration table holds every entry point as DL_FUNC; the cast goes through void (*)(void),
 * the generic function pointer type, as R's manual does. */
#define CALL(name, fn, nargs) {name, (DL_FUNC)(void (*)(void))&fn, nargs}
static const R_CallMethodDef calls[] = {
    CALL("sw_r_sector_weights", r_sector_weights, 4),
    CALL("sw_r_calculate_sector_weights", r_calculate_sector_weights, 5),
    CALL("sw_r_status_name", r_status_name, 1),
    CALL("sw_r_version", r_version, 0),
    {NULL, NULL, 0},
};

void R_init_sw_r(DllInfo *dll) {
    R_registerRoutines(dll, NULL, calls, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
}
