"""The themes differ only in colours: what lets the accessibility test run only its colour rules in the second theme."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THEME_BLOCK = re.compile(r"(?:data-theme|prefers-color-scheme)[^{]*\{((?:[^{}]|\{[^{}]*\})*)\}")
DECLARATION = re.compile(r"([\w-]+)\s*:\s*([^;{}]+);")
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(|color-mix\(|var\(--")


def test_theme_blocks_of_every_stylesheet_set_colours_only():
    sheets = [*ROOT.glob("static/css/*.css"), *ROOT.glob("apps/*/static/**/*.css")]
    declarations, problems = 0, []
    for sheet in sheets:
        for block in THEME_BLOCK.findall(sheet.read_text()):
            for name, value in DECLARATION.findall(block):
                declarations += 1
                if name != "color-scheme" and not COLOUR.search(value):
                    problems.append(f"{sheet.name}: {name}: {value.strip()}")
    assert declarations > 40  # the dark theme's tokens were found
    assert problems == [], (
        "a theme changes more than colours: make tests/browser/test_accessibility.py run every rule in both "
        f"themes (drop COLOUR_RULES), or keep layout out of the theme blocks: {problems}"
    )
