"""What a browser's "save as text" keeps of a browsable page: the tests' stand-in for a person saving one."""

from __future__ import annotations

from html.parser import HTMLParser


class TextOf(HTMLParser):
    """The text of the page's ``data-text`` blocks, tags dropped and entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += 1
        elif any(k == "data-text" for k, _ in attrs):
            self.depth = 1
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.blocks[-1].append(data)


def page_text(page: str) -> str:
    """The parts of a page :func:`~spacecraft_data.pages.parse_page` reads, as text: description, then
    response.

    Without a browser, this is what "save as text" keeps of the description and the
    response block (the view name, buttons and form labels, which a browser also
    saves above them, are left out).
    """
    parser = TextOf()
    parser.feed(page)
    parser.close()
    return "\n\n".join("".join(block) for block in parser.blocks)
