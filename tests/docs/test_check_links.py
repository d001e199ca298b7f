"""Tests of tests/docs/check_links.py: GitHub's heading slugs, and that broken links are found
and code is ignored. Run: python3 -m unittest discover -s tests/docs"""

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_links as cl  # noqa: E402


def slugs(md: str) -> set:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "a.md"
        p.write_text(md, encoding="utf-8")
        return cl.anchors(p, {})


class Slugs(unittest.TestCase):
    def test_github_slugger_fixtures(self):
        # Inputs and expected slugs from github-slugger's test/fixtures.json.
        cases = {
            "alpha": "alpha",
            "bravoCharlieDelta": "bravocharliedelta",
            "heading with a - dash": "heading-with-a---dash",
            "heading with an _ underscore": "heading-with-an-_-underscore",
            "heading with a period.txt": "heading-with-a-periodtxt",
            "exchange.bind_headers(exchange, routing [, bindCallback])":
                "exchangebind_headersexchange-routing--bindcallback",
            "apostrophe’s should be trimmed": "apostrophes-should-be-trimmed",
            "I ♥ unicode": "i--unicode",
            "en–dash": "endash",
            "😄 - an emoji": "---an-emoji",
            "Привет non-latin 你好": "привет-non-latin-你好",
            ":ok_hand: Single": "ok_hand-single",
        }
        for text, want in cases.items():
            self.assertEqual(cl.slug(text), want, text)

    def test_headings_as_github_renders_them(self):
        md = "\n".join([
            "# sector-weights",
            "## Why the drop-in still works for `void` callers",
            "## Use from C++",
            "## C / C++ and **Node.js**",
            "### 1 × 100: 0.7 µs",
            "## Notes",
            "## Notes",
            "## [Linked](https://example.com) heading",
            "Setext heading",
            "--------------",
            '<a id="custom-id"></a>',
            "```",
            "# not a heading",
            "```",
        ])
        self.assertEqual(slugs(md), {
            "sector-weights", "why-the-drop-in-still-works-for-void-callers", "use-from-c",
            "c--c-and-nodejs", "1--100-07-µs", "notes", "notes-1", "linked-heading",
            "setext-heading", "custom-id",
        })


class Links(unittest.TestCase):
    def run_check(self, files: dict) -> list:
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            for name, text in files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text, encoding="utf-8")
            errors = []
            for name in files:
                if name.endswith(".md"):
                    errors += cl.check_file(root / name, root, {})[0]
            return errors

    def test_good_links_pass(self):
        errors = self.run_check({
            "README.md": "\n".join([
                "# Top",
                "## Install (C, Python)",
                "[up](#top) [install](#install-c-python) [api](docs/api.md#the-c-api)",
                "![plot](docs/plot.png) [dir](docs/) [root](/docs/api.md) [src](src/a.rs#L3-L9)",
                "[ext](https://example.com/x#y) <https://example.com> [mail](mailto:a@b.c)",
                "[ref]: docs/api.md#status-codes",
                '<img src="docs/plot.png">',
            ]),
            "docs/api.md": "# The C API\n## Status codes\n[back](../README.md#top)\n",
            "docs/plot.png": "",
            "src/a.rs": "",
        })
        self.assertEqual(errors, [])

    def test_broken_links_are_reported_with_their_line(self):
        errors = self.run_check({
            "README.md": "\n".join([
                "# Top",
                "[missing file](docs/nope.md)",
                "[missing anchor](#bottom)",
                "[anchor in other file](docs/api.md#nope)",
                "![missing image](docs/plot.png)",
                "[outside](../elsewhere.md)",
                "[not a line](src/a.rs#main)",
                '<a href="docs/gone.html">x</a>',
            ]),
            "docs/api.md": "# The C API\n",
            "src/a.rs": "",
        })
        self.assertEqual([e.split(":")[1] for e in errors], ["2", "3", "4", "5", "6", "7", "8"])
        self.assertIn("docs/nope.md does not exist", errors[0])
        self.assertIn("no heading or id '#bottom' in README.md", errors[1])

    def test_code_is_not_checked(self):
        errors = self.run_check({
            "README.md": "\n".join([
                "```sh",
                "[not a link](nowhere.md)",
                "```",
                "~~~",
                "[nor this](nowhere.md)",
                "~~~",
                "Inline `[code](nowhere.md)` is not a link either.",
                "<!-- [commented](nowhere.md) -->",
            ]),
        })
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
