/*
 * The catalogue of bad inputs (tests/catalogue/cases.txt), run from C against
 * include/sector_weights.h and the built library.
 *
 *   catalogue [path/to/cases.txt]     prints one line per failure and "N passed, M failed"
 *
 * For every case: build the buffers exactly as the table says (aligned, misaligned by one byte,
 * NULL, raw addresses, aliases into another buffer), make the call, and check the status, the
 * thread's last error message, and that on error no byte of any buffer changed (on SW_OK: only the
 * output changed, and it holds exactly the expected values). See cases.txt for the format.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sector_weights.h"

#define MAX_ARGS 24
#define MAX_BUFS 5
#define SLACK 64

typedef struct {
    char *key;
    char *value;
} Arg;

typedef struct {
    const char *name;
    uintptr_t addr;
    size_t len;
    unsigned char *arena; /* own allocation, or NULL */
    size_t arena_bytes;
    unsigned char *snapshot;
} Buf;

typedef struct {
    int line;
    char *id, *func, *status, *message;
    Arg args[MAX_ARGS];
    int nargs;
    Buf bufs[MAX_BUFS];
    int nbufs;
} Case;

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = 0;
    return s;
}

static const char *arg(const Case *c, const char *key) {
    for (int i = 0; i < c->nargs; i++)
        if (strcmp(c->args[i].key, key) == 0) return c->args[i].value;
    return NULL;
}

static uint64_t parse_u64(const char *s) {
    if (strcmp(s, "max") == 0) return UINT64_MAX;
    if (s[0] == '2' && s[1] == '^') return (uint64_t)1 << strtoul(s + 2, NULL, 10);
    return strtoull(s, NULL, 10);
}

static uint64_t num(const Case *c, const char *key) {
    const char *v = arg(c, key);
    return v ? parse_u64(v) : 0;
}

/* Element types are the header's dtype codes, SW_INT8 (1) ... SW_FLOAT64 (9), named as in cases.txt. */
static const char *const TYPE_NAMES[] = {"", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "f32", "f64"};

static size_t type_size(int ty) {
    switch (ty) {
    case SW_INT8:
    case SW_UINT8: return 1;
    case SW_INT16:
    case SW_UINT16: return 2;
    case SW_INT32:
    case SW_UINT32:
    case SW_FLOAT32: return 4;
    default: return 8;
    }
}

/* Whether the case's function takes its inputs as SwColumn arguments. */
static int typed(const Case *c) {
    return strcmp(c->func, "sw_grouped_sums") == 0 || strcmp(c->func, "sw_ragged_sums") == 0;
}

/* Column `name`'s dtype field; *ty gets the type its values are written in (see cases.txt). */
static int32_t column_type(const Case *c, const char *name, int *ty) {
    int dflt = (strcmp(name, "w") == 0 || strcmp(name, "v") == 0) ? SW_FLOAT64 : SW_INT32;
    char key[8];
    snprintf(key, sizeof key, "%st", name);
    const char *t = arg(c, key);
    *ty = dflt;
    if (!t) return dflt;
    for (int i = 1; i <= 9; i++)
        if (strcmp(t, TYPE_NAMES[i]) == 0) return *ty = i;
    int32_t code = (int32_t)strtol(t, NULL, 10);
    if (code >= 1 && code <= 9) *ty = code;
    return code;
}

/* Element type of buffer `name` of the case. */
static int buffer_type(const Case *c, const char *name) {
    int ty;
    if (typed(c) && strchr("wvsp", name[0]) && name[1] == 0) {
        column_type(c, name, &ty);
        return ty;
    }
    if (strcmp(name, "s") == 0) return SW_INT32;
    if (strcmp(name, "off") == 0) return SW_INT64;
    return SW_FLOAT64;
}

/* Writes the number at p as type ty into dst (if not NULL); returns the end of the number. */
static char *encode_one(int ty, const char *p, unsigned char *dst) {
    char *end;
    if (ty == SW_FLOAT32 || ty == SW_FLOAT64) {
        double d = strtod(p, &end);
        float f = (float)d;
        if (dst) memcpy(dst, ty == SW_FLOAT32 ? (void *)&f : (void *)&d, type_size(ty));
        return end;
    }
    long long v = strtoll(p, &end, 10); /* integers wrap like a C cast, as in the other runners */
    int8_t i8 = (int8_t)v;
    int16_t i16 = (int16_t)v;
    int32_t i32 = (int32_t)v;
    int64_t i64 = (int64_t)v;
    uint8_t u8 = (uint8_t)v;
    uint16_t u16 = (uint16_t)v;
    uint32_t u32 = (uint32_t)v;
    const void *src = ty == SW_INT8 ? (const void *)&i8 : ty == SW_INT16 ? (const void *)&i16
                    : ty == SW_INT32 ? (const void *)&i32 : ty == SW_INT64 ? (const void *)&i64
                    : ty == SW_UINT8 ? (const void *)&u8 : ty == SW_UINT16 ? (const void *)&u16
                    : (const void *)&u32;
    if (dst) memcpy(dst, src, type_size(ty));
    return end;
}

/* Writes the elements of "[a,b]" / "mis[a,b]" / "n:K" into dst (if not NULL); returns the count. */
static size_t encode(const Case *c, const char *name, const char *spec, unsigned char *dst) {
    int ty = buffer_type(c, name);
    size_t n = 0, size = type_size(ty);
    if (strncmp(spec, "n:", 2) == 0) {
        size_t k = strtoull(spec + 2, NULL, 10);
        const char *one = strcmp(name, "out") == 0 ? "-7" : (strcmp(name, "w") == 0 || strcmp(name, "v") == 0) ? "1" : "0";
        for (; dst && n < k; n++) encode_one(ty, one, dst + n * size);
        return k;
    }
    const char *p = strchr(spec, '[');
    if (!p) {
        fprintf(stderr, "bad buffer spec %s\n", spec);
        exit(2);
    }
    p++;
    while (*p && *p != ']') {
        char *end = encode_one(ty, p, dst ? dst + n * size : NULL);
        if (end == p) {
            fprintf(stderr, "bad number in %s\n", spec);
            exit(2);
        }
        n++;
        p = end;
        if (*p == ',') p++;
    }
    return n;
}

static Buf *buf(Case *c, const char *name) {
    for (int i = 0; i < c->nbufs; i++)
        if (strcmp(c->bufs[i].name, name) == 0) return &c->bufs[i];
    return NULL;
}

static uintptr_t ptr(Case *c, const char *name) {
    Buf *b = buf(c, name);
    return b ? b->addr : 0;
}

static size_t len(Case *c, const char *name) {
    Buf *b = buf(c, name);
    return b ? b->len : 0;
}

static void build(Case *c, const char *const *names, int count) {
    c->nbufs = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < count; i++) {
            const char *name = names[i];
            const char *spec = arg(c, name);
            if (!spec) spec = "null";
            int alias = spec[0] == '@';
            if ((pass == 0) == alias) continue;
            Buf b = {name, 0, 0, NULL, 0, NULL};
            size_t n = 0;
            if (strcmp(spec, "null") == 0) {
            } else if (strncmp(spec, "addr:", 5) == 0) {
                b.addr = (uintptr_t)strtoull(spec + 5, NULL, 16);
            } else if (alias) {
                char target[8] = {0};
                size_t tl = strcspn(spec + 1, "+");
                memcpy(target, spec + 1, tl < 7 ? tl : 7);
                b.addr = ptr(c, target) + strtoull(spec + 1 + tl + 1, NULL, 10);
            } else {
                size_t skew = strncmp(spec, "mis", 3) == 0 ? 1 : 0;
                n = encode(c, name, spec, NULL);
                b.arena_bytes = (n * type_size(buffer_type(c, name)) + skew + SLACK + 15) / 16 * 16;
                b.arena = aligned_alloc(16, b.arena_bytes);
                if (!b.arena) {
                    perror("aligned_alloc");
                    exit(2);
                }
                memset(b.arena, 0, b.arena_bytes);
                encode(c, name, spec, b.arena + skew);
                b.addr = (uintptr_t)b.arena + skew;
            }
            char key[8];
            snprintf(key, sizeof key, "%s", strcmp(name, "off") == 0 ? "offl" : name);
            if (strcmp(name, "off") != 0) {
                key[1] = 'l';
                key[2] = 0;
            }
            const char *l = arg(c, key);
            b.len = l ? (size_t)parse_u64(l) : n;
            c->bufs[c->nbufs++] = b;
        }
    }
    for (int i = 0; i < c->nbufs; i++) {
        Buf *b = &c->bufs[i];
        if (b->arena) {
            b->snapshot = malloc(b->arena_bytes);
            memcpy(b->snapshot, b->arena, b->arena_bytes);
        }
    }
}

static char *last_error(void) {
    size_t n = sw_last_error_message(NULL, 0);
    char *m = malloc(n + 1);
    sw_last_error_message(m, n + 1);
    return m;
}

/* The message with {w} {s} {v} {off} {out} replaced by the buffers' addresses. */
static void expand(Case *c, const char *tmpl, char *out, size_t cap) {
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < cap;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            char name[8] = {0};
            if (e && (size_t)(e - p - 1) < sizeof name) {
                memcpy(name, p + 1, (size_t)(e - p - 1));
                o += (size_t)snprintf(out + o, cap - o, "0x%" PRIxPTR, ptr(c, name));
                p = e + 1;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o < cap ? o : cap - 1] = 0;
}

/* Runs one case; returns 1 when it matches the table, else prints why and returns 0. */
static int run(Case *c) {
    static const char *const uniform[] = {"w", "s", "out"};
    static const char *const ragged[] = {"w", "s", "off", "out"};
    static const char *const exposures[] = {"w", "v", "s", "off", "out"};
    static const char *const grouped[] = {"w", "v", "s", "p", "out"};
    const char *f = c->func;
    if (strcmp(f, "calculate_sector_weights") == 0 || strcmp(f, "sw_sector_weights") == 0)
        build(c, uniform, 3);
    else if (strcmp(f, "sw_sector_weights_ragged") == 0) build(c, ragged, 4);
    else if (strcmp(f, "sw_sector_exposures") == 0 || strcmp(f, "sw_ragged_sums") == 0)
        build(c, exposures, 5);
    else if (strcmp(f, "sw_grouped_sums") == 0) build(c, grouped, 5);
    else c->nbufs = 0;

    /* The SwColumn arguments w v s p: a column left out of the case is a NULL pointer. */
    static const char *const column_names[] = {"w", "v", "s", "p"};
    SwColumn cols[4];
    const SwColumn *col[4];
    for (int i = 0; i < 4; i++) {
        const char *name = column_names[i];
        int ty;
        col[i] = NULL;
        if (!arg(c, name)) continue;
        cols[i].data = (const void *)ptr(c, name);
        cols[i].len = len(c, name);
        cols[i].dtype = column_type(c, name, &ty);
        col[i] = &cols[i];
    }

    SwStatus st;
    if (strcmp(f, "calculate_sector_weights") == 0)
        st = calculate_sector_weights((const double *)ptr(c, "w"), num(c, "pf"),
                                      (const int32_t *)ptr(c, "s"), num(c, "nb"),
                                      (double *)ptr(c, "out"), num(c, "ns"));
    else if (strcmp(f, "sw_sector_weights") == 0)
        st = sw_sector_weights((const double *)ptr(c, "w"), len(c, "w"), (const int32_t *)ptr(c, "s"),
                               len(c, "s"), (size_t)num(c, "np"), (size_t)num(c, "ns"),
                               (double *)ptr(c, "out"), len(c, "out"));
    else if (strcmp(f, "sw_sector_weights_ragged") == 0)
        st = sw_sector_weights_ragged((const double *)ptr(c, "w"), len(c, "w"),
                                      (const int32_t *)ptr(c, "s"), len(c, "s"),
                                      (const int64_t *)ptr(c, "off"), len(c, "off"),
                                      (size_t)num(c, "ns"), (uint32_t)num(c, "flags"),
                                      (double *)ptr(c, "out"), len(c, "out"));
    else if (strcmp(f, "sw_sector_exposures") == 0)
        st = sw_sector_exposures((const double *)ptr(c, "w"), len(c, "w"), (const double *)ptr(c, "v"),
                                 len(c, "v"), (const int32_t *)ptr(c, "s"), len(c, "s"),
                                 (const int64_t *)ptr(c, "off"), len(c, "off"), (size_t)num(c, "ns"),
                                 (uint32_t)num(c, "flags"), (double *)ptr(c, "out"), len(c, "out"));
    else if (strcmp(f, "sw_grouped_sums") == 0)
        st = sw_grouped_sums(col[0], col[1], col[2], (size_t)num(c, "ns"), col[3], (size_t)num(c, "np"),
                             (uint32_t)num(c, "flags"), (double *)ptr(c, "out"), len(c, "out"));
    else if (strcmp(f, "sw_ragged_sums") == 0)
        st = sw_ragged_sums(col[0], col[1], col[2], (size_t)num(c, "ns"), (const int64_t *)ptr(c, "off"),
                            len(c, "off"), (uint32_t)num(c, "flags"), (double *)ptr(c, "out"),
                            len(c, "out"));
    else if (strcmp(f, "sw_set_num_threads") == 0)
        st = sw_set_num_threads((size_t)num(c, "n"));
    else {
        printf("cases.txt:%d %s: unknown function %s\n", c->line, c->id, f);
        return 0;
    }

    int ok = 1;
    char *msg = last_error();
    char want[1024];
    expand(c, c->message, want, sizeof want);
    const char *got_name = sw_status_name(st);
    if (strcmp(got_name, c->status) != 0 || strcmp(msg, want) != 0) {
        printf("cases.txt:%d %s: got %s | %s\n      want %s | %s\n", c->line, c->id, got_name, msg,
               c->status, want);
        ok = 0;
    }
    uintptr_t lo = ptr(c, "out"), hi = lo + len(c, "out") * 8;
    for (int i = 0; i < c->nbufs; i++) {
        Buf *b = &c->bufs[i];
        for (size_t k = 0; b->arena && k < b->arena_bytes; k++) {
            uintptr_t a = (uintptr_t)b->arena + k;
            if (b->arena[k] != b->snapshot[k] && (st != SW_OK || a < lo || a >= hi)) {
                printf("cases.txt:%d %s: byte 0x%" PRIxPTR " of %s changed (status %s)\n", c->line,
                       c->id, a, b->name, got_name);
                ok = 0;
                break;
            }
        }
    }
    const char *exp = arg(c, "expect");
    if (st == SW_OK && exp) {
        const double *out = (const double *)lo;
        size_t n = 0;
        const char *p = exp + 1;
        while (*p && *p != ']') {
            char *end;
            int any_nonfinite = strncmp(p, "nonfinite", 9) == 0;
            double w = any_nonfinite ? 0.0 : strtod(p, &end);
            if (any_nonfinite) end = (char *)p + 9;
            int match = n < len(c, "out") &&
                        (any_nonfinite ? !isfinite(out[n])
                                       : (memcmp(&out[n], &w, 8) == 0 || (isnan(w) && isnan(out[n]))));
            if (!match) {
                printf("cases.txt:%d %s: out[%zu] = %.17g, want %.*s\n", c->line, c->id, n,
                       n < len(c, "out") ? out[n] : 0.0, (int)(end - p), p);
                ok = 0;
            }
            n++;
            p = end;
            if (*p == ',') p++;
        }
        if (n != len(c, "out")) {
            printf("cases.txt:%d %s: %zu expected values for %zu outputs\n", c->line, c->id, n,
                   len(c, "out"));
            ok = 0;
        }
    }
    free(msg);
    for (int i = 0; i < c->nbufs; i++) {
        free(c->bufs[i].arena);
        free(c->bufs[i].snapshot);
    }
    return ok;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "tests/catalogue/cases.txt";
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return 2;
    }
    char line[4096];
    int lineno = 0, passed = 0, failed = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *t = trim(line);
        if (!*t || *t == '#') continue;
        Case c;
        memset(&c, 0, sizeof c);
        c.line = lineno;
        char *fields[8];
        int nf = 0;
        for (char *p = t; nf < 8;) {
            char *bar = strchr(p, '|');
            if (bar) *bar = 0;
            fields[nf++] = trim(p);
            if (!bar) break;
            p = bar + 1;
        }
        if (nf < 6) {
            printf("cases.txt:%d: expected 6 or 7 fields, got %d\n", lineno, nf);
            failed++;
            continue;
        }
        c.id = fields[0];
        c.func = fields[2];
        c.status = fields[4];
        c.message = fields[5];
        for (char *tok = strtok(fields[3], " "); tok && c.nargs < MAX_ARGS; tok = strtok(NULL, " ")) {
            char *eq = strchr(tok, '=');
            if (!eq) continue;
            *eq = 0;
            c.args[c.nargs].key = tok;
            c.args[c.nargs].value = eq + 1;
            c.nargs++;
        }
        if (run(&c)) passed++;
        else failed++;
    }
    fclose(fp);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed >= 30 ? 0 : 1;
}
