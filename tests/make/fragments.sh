#!/usr/bin/env bash
# The make fragments (mk/*.mk) do not depend on the order they are read in (make test-make):
#  1. make's database (every variable's value, every target's prerequisites) is the same when the
#     fragments are read in reverse order, apart from the order of the suite lists;
#  2. no fragment sets a variable of the top Makefile (it appends to TEST_TARGETS or CHECK_TARGETS);
#  3. no fragment uses a variable that another fragment sets: shared variables live in the top
#     Makefile, where every fragment can use them anywhere (prerequisites included).
set -euo pipefail
cd "$(dirname "$0")/../.."
MAKE=${MAKE:-make}
fragments=$(ls mk/*.mk | sort | tr '\n' ' ')
reversed=$(ls mk/*.mk | sort -r | tr '\n' ' ')

# Variables ("NAME op value") and rules ("target: prerequisites", not the makefiles themselves),
# sorted; the words of the suite lists and of the prerequisites of test, check and .PHONY too.
database() {
    $MAKE -pqR MK_FRAGMENTS="$1" .sw-no-such-target 2>/dev/null |
        awk '/^# (Variables|Files)/ {sec=$2} /^# Not a target:/ {skip=1} /^#|^\t|^$/ {next}
             skip {skip=0; next}
             sec=="Variables" && $1 !~ /^(MAKEFILE_LIST|MK_FRAGMENTS|MAKEFLAGS|MFLAGS|-\*-command-variables-\*-)$/ {print}
             sec=="Files" && /^[^ =]+:/ && !/:=/ {print}' |
        perl -lane 'print $F[0] =~ /^(TEST_TARGETS|CHECK_TARGETS|test:|check:|\.PHONY:)$/ ? join(" ", sort @F) : $_' |
        sort
}
# A makefile that does not parse (a merge conflict left in it, say) is reported as such.
error=$($MAKE -pqR 2>&1 >/dev/null | grep -F '***' || true)
if [ -n "$error" ]; then
    echo "make cannot read the makefiles: $error"
    exit 1
fi
fail=0
if ! difference=$(diff <(database "$fragments") <(database "$reversed")); then
    echo "make fragments depend on the order they are read in (< sorted, > reversed):"
    echo "$difference"
    fail=1
fi

# Variables each file sets (NAME =, :=, ::=, ?=, != or define NAME; += only appends), and uses.
sets() { sed -nE 's/^(override +|export +)?([A-Za-z_][A-Za-z0-9_]*) *(:|::|\?|!)?= ?.*/\2/p; s/^define +([A-Za-z_][A-Za-z0-9_]*).*/\1/p' "$1" | sort -u; }
uses() { grep -oE '\$[({][A-Za-z_][A-Za-z0-9_]*[)}:]' "$1" | sed -E 's/^\$[({]//; s/[)}:]$//' | sort -u; }
top=$(sets Makefile)
for f in $fragments; do
    for v in $(comm -12 <(sets "$f") <(echo "$top")); do
        echo "$f sets $v, which the top Makefile sets (a fragment only appends to TEST_TARGETS and CHECK_TARGETS)"
        fail=1
    done
    for g in $fragments; do
        [ "$g" = "$f" ] && continue
        for v in $(comm -12 <(uses "$f") <(comm -23 <(sets "$g") <(sets "$f"))); do
            echo "$f uses \$($v), which $g sets: move it to the top Makefile"
            fail=1
        done
    done
done
[ $fail -eq 0 ] && echo "make fragments: $(echo $fragments | wc -w) fragments, independent of their order"
exit $fail
