# The table API's benchmark (issue 13): sw.Holdings against pandas and polars, from the user's frame
# to a labelled result (benches/frames.py; docs/tables.md has the table and how to read it).
#
#   make bench-frames    20 funds of 1,000 to 100,000 bonds (1,010,000 shuffled rows), 18 sectors:
#                        string labels, categorical labels, 100 order lists; FRAMES_ARGS='--case
#                        string' (or categorical, orders), '--reps N', '--no-parts' (see --help)
.PHONY: bench-frames

FRAMES_ARGS ?=

bench-frames: python-install
	$(VENV_PY) benches/frames.py $(FRAMES_ARGS)
