# Documentation (issue 12): every relative link and #anchor in the Markdown files resolves.
#
#   make test-docs   tests/docs/check_links.py over every Markdown file git knows (README.md,
#                    docs/, the READMEs of the bindings, examples and tests), after the
#                    checker's own tests; stdlib Python only, about a second
.PHONY: test-docs

test-docs:
	$(PYTHON) -m unittest discover -s tests/docs -p 'test_*.py'
	$(PYTHON) tests/docs/check_links.py

TEST_TARGETS += test-docs
