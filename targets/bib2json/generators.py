"""Inputs for bib2json (pandoc's biblatex reader and CSL JSON writer): bibliographies from a
grammar of BibLaTeX/BibTeX (entry types, fields, name lists, LaTeX markup, dates, @string
macros and ``#`` joins, crossref and xdata inheritance, comments), broken ones, the command
line around them, and the biblatex examples of pandoc's own test suite.

The conversion reads nothing but its input and writes nothing that varies (no dates of today,
no hash order: CSL JSON keys come sorted), so every case is deterministic.
"""

from __future__ import annotations

import re
from functools import cache

from hypothesis import strategies as st

from mirror.specs.generators import fixed_cases, generator
from oracle.case import Case

ENTRY_TYPES = [
    "article", "book", "mvbook", "inbook", "bookinbook", "suppbook", "booklet", "collection",
    "mvcollection", "incollection", "suppcollection", "manual", "misc", "online", "electronic",
    "www", "patent", "periodical", "suppperiodical", "proceedings", "mvproceedings",
    "inproceedings", "conference", "reference", "mvreference", "inreference", "report",
    "techreport", "set", "thesis", "mastersthesis", "phdthesis", "unpublished", "dataset",
    "software", "audio", "video", "music", "artwork", "image", "letter", "movie", "legislation",
    "jurisdiction", "standard", "review", "commentary", "performance", "bogustype",
]  # fmt: skip
COMMON_TYPES = [
    "article", "book", "inproceedings", "online", "thesis", "misc", "incollection", "report",
    "inbook", "phdthesis", "techreport", "unpublished", "collection",
]  # fmt: skip
KEYS = ["doe2020", "k1", "smith:99", "a-b", "x_y", "Key.2", "knuth84", "Z", "lamport/latex",
        "x", "ref-10", "Ünï"]  # fmt: skip
WORDS = [
    "the", "The", "art", "of", "computer", "Programming", "a", "A", "study", "Study", "on",
    "NASA", "iPhone", "DNA", "and", "in", "über", "x-ray", "T-cells", "with", "Dinner", "nm",
    "scale", "Wave", "dispersion", "Analysis", "LaTeX", "for", "to", "is", "2nd", "von",
    "Neumann", "Über", "élan", "O'Brien", "e-mail", "vs.", "Part", "I", "II", "USA", "C++",
]  # fmt: skip
LATEX = [
    '{\\"o}', '\\"{u}', "{\\'e}", "\\'{E}", "{\\`a}", "\\^o", "\\~n", "{\\c c}", "\\c{C}",
    "\\v{s}", "\\u{a}", "\\H{o}", "\\r{a}", "{\\ss}", "{\\ae}", "\\AE{}", "{\\o}", "\\O{}",
    "{\\l}", "\\L{}", "{\\i}", "\\aa{}", "\\AA{}", "\\'\\i", "--", "---", "~", "\\&", "\\%",
    "\\$", "\\_", "\\#", "``quoted''", "`single'", '"dq"', "\\emph{Emph}", "\\textit{ital}",
    "\\textbf{Bold}", "\\textsc{Small}", "\\textsuperscript{2}", "\\textsubscript{2}",
    "\\url{http://x.org/a}", "$x^2$", "$\\alpha$", "{\\em em}", "{\\bf bf}", "\\mkbibquote{q}",
    "\\mkbibemph{e}", "\\relax", "\\LaTeX", "\\TeX", "\\ldots", "\\dots", "\\unknown{x}",
    "\\\\", "\\,", "\\textquote{tq}", "\\enquote{eq}", "\\textnormal{n}", "\\texttt{tt}",
    "\\noopsort{a}", "\\mbox{mb}", "{\\itshape it}", "\\textendash", "\\textemdash", "\\S",
    "\\ensuremath{x}", "\\hyphen", "\\-", "\\'{}", "\\^{}",
]  # fmt: skip
NAMES = [
    "John Doe", "Doe, John", "Doe, J.", "J. Doe", "John von Neumann", "von Neumann, John",
    "Smith, Jr., Bob", "Smith, Jr, Bob", "de la Fontaine, Jean", "Jean de la Fontaine",
    "Ludwig van Beethoven", "{van Gogh}, Vincent", "{World Health Organization}",
    "{Barnes and Noble}", "{\\relax Ch}ristie, A.", "Jean-Paul Sartre", "J.~R.~R. Tolkien",
    "others", "Knuth, Donald E.", "Donald Ervin Knuth", "{\\\"O}zil, Mesut", "M{\\\"u}ller, K.",
    "Aristotle", "van der Waals, Johannes Diderik", "Le Corbusier", "{Le Corbusier}",
    "Charles Louis Xavier Joseph de la Vall{\\'e}e Poussin", "Doe, John and", "Ng, A. Y.",
    "family=Doe, given=Jane", "given=Jo, prefix=van, family=Damme, useprefix=true",
    "Martin Luther King, Jr.", "King, Jr., Martin Luther", "{\\'E}mile Zola", "ABC, X",
    "Brinch Hansen, Per", "Leonardo da Vinci", "da Vinci, Leonardo", "De Gaulle, Charles",
    "{NASA}", "{The {LaTeX} Project}", "Smith", "Lady Gaga", "JOHN DOE",
]  # fmt: skip
DATES = [
    "2020", "2020-05", "2020-05-17", "2020-05/2021-06", "2020/", "/2020", "2020~", "2020?",
    "2020%", "-0044-03-15", "2020-21", "2020-24", "2020-13", "2020-02-30", "1999-12-31T10:00:00",
    "20xx", "2020-05-17/2020-05-19", "c. 1900", "2020-unknown", "unknown", "", "0000",
    "2020-05-17T12:00:00Z", "1850..1860", "2020-1", "2020-05-7", "99", "12345", "2020-05~",
    "2020?/2021?", "1984-00-00", "2001-11-30/..", "../2001", "2020-05-17 ", " 2020", "{2020}",
]  # fmt: skip
YEARS = ["2020", "1999", "{1999}", "1999a", "in press", "forthcoming", "20--21", "-44", "1984~",
         "MCMLXXXIV", "2020/2021", "0", "01"]  # fmt: skip
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
          "{5}", "{May}", "{12}", "{13}", "{January}", "{jan}", "{Sept.}", "{1}"]  # fmt: skip
PAGES = ["1--10", "10-20", "3", "iv--xii", "1,3--5", "e123", "12---14", "100--", "A1--A9",
         "12 -- 14", "1--2, 5--6", "S1"]  # fmt: skip
LANGIDS = ["english", "american", "british", "USenglish", "UKenglish", "german", "ngerman",
           "french", "spanish", "italian", "dutch", "russian", "japanese", "klingon", "English",
           "canadian", "australian", "newzealand", "portuguese", "brazil", "latin"]  # fmt: skip
SIMPLE_FIELDS = {
    "publisher": ["Springer", "{MIT} Press", "O'Reilly \\& Associates", "Addison--Wesley"],
    "location": ["Berlin", "New York and London", "{Paris and Lyon}", "S{\\~a}o Paulo"],
    "address": ["Boston, MA", "Reading, Mass."],
    "institution": ["MIT", "{CERN}", "University of Tokyo"],
    "school": ["Stanford University", "ETH Z{\\\"u}rich"],
    "organization": ["IEEE", "{ACM}"],
    "journal": ["Nature", "J. Chem. Phys.", "Journal of {Things}", "the american monthly"],
    "journaltitle": ["Science", "Proceedings of the {IEEE}"],
    "shortjournal": ["PNAS", "J. Stuff"],
    "booktitle": ["Collected papers", "Proceedings of the 1st {ACM} Workshop"],
    "maintitle": ["Complete works", "The {Feynman} lectures"],
    "subtitle": ["a subtitle", "An {Introduction}", "Part {II}"],
    "titleaddon": ["with notes", "Extended version"],
    "shorttitle": ["Short", "the short one"],
    "series": ["Lecture Notes in Computer Science", "{LNCS}", "3"],
    "volume": ["3", "12", "IV", "1--2"],
    "number": ["4", "TR-2020-01", "12a", "Suppl. 1"],
    "issue": ["Spring", "3"],
    "edition": ["2", "second", "2nd", "Revised", "10"],
    "chapter": ["3", "Introduction"],
    "volumes": ["4"],
    "pagetotal": ["350", "xii+350"],
    "doi": ["10.1000/xyz", "https://doi.org/10.1/x", "10.1000/a_b%20c", "doi:10.5/y"],
    "url": ["https://example.org/a_b?c=1&d=2", "http://x.org/~user/", "\\url{http://y.org}"],
    "isbn": ["978-3-16-148410-0", "0-201-89683-4"],
    "issn": ["0028-0836", "1234-5678"],
    "eprint": ["2101.00001", "hep-th/9901001"],
    "eprinttype": ["arxiv", "arXiv", "pubmed", "jstor", "hdl", "googlebooks"],
    "eprintclass": ["cs.CL"],
    "pmid": ["12345678"],
    "keywords": ["a, b", "x,y ,  z", "primary; secondary", "one", "{A, B}, c"],
    "note": ["Reprinted", "see \\url{x}", "In {German}", "to appear"],
    "addendum": ["With an appendix", "Corrected"],
    "abstract": ["Abs \\& more $x^2$", "We study {X}.\n\nSecond paragraph."],
    "annote": ["Good", "annotated"],
    "annotation": ["An annotation"],
    "howpublished": ["\\url{http://h.org}", "Privately printed"],
    "type": ["phdthesis", "mathesis", "Technical Report", "patentus", "candthesis", "resreport",
             "Poster", "software"],
    "entrysubtype": ["magazine", "newspaper"],
    "eventtitle": ["Conference on {Things}", "SIGPLAN"],
    "venue": ["Vienna", "Online"],
    "pubstate": ["inpress", "forthcoming", "submitted", "prepublished", "unknown state"],
    "version": ["1.2.3", "2"],
    "language": ["english", "German", "langfrench", "en-US"],
    "hyphenation": ["german", "english"],
    "part": ["2"],
    "issuetitle": ["Special issue on {X}"],
    "issuesubtitle": ["and more"],
    "origlanguage": ["french"],
    "origpublisher": ["Gallimard"],
    "origlocation": ["Paris"],
    "origtitle": ["L'{\\'E}tranger"],
    "library": ["Main library"],
    "label": ["lbl"],
    "shorthand": ["KJV"],
    "sortname": ["Doe"],
    "month": ["jan"],
    "day": ["5", "31", "x"],
    "ids": ["alias1, alias2"],
    "related": ["k1"],
    "file": ["paper.pdf"],
    "archiveprefix": ["arXiv"],
    "primaryclass": ["math.AG"],
    "mrnumber": ["1234567"],
    "unknownfield": ["kept?"],
    "options": ["useprefix=true", "useprefix=false", "skipbib", "dataonly"],
    "nameaddon": ["the Elder"],
    "urldate": ["2021-03-04"],
}  # fmt: skip
NAME_FIELDS = ["author", "editor", "translator", "bookauthor", "editora", "editorb", "holder",
               "commentator", "annotator", "introduction", "foreword", "afterword",
               "director", "composer"]  # fmt: skip
DATE_FIELDS = ["date", "urldate", "eventdate", "origdate"]


def keys() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(KEYS), st.text("abcxyz019:-_", min_size=1, max_size=8))


def plain_words() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)


@st.composite
def texts(draw: st.DrawFn, depth: int = 0) -> str:
    """Text of a field as LaTeX: words, accents and commands, {protected} groups, a colon."""
    pieces = []
    for _ in range(draw(st.integers(1, 7))):
        kind = draw(st.integers(0, 9))
        if kind <= 4:
            pieces.append(draw(st.sampled_from(WORDS)))
        elif kind <= 6:
            pieces.append(draw(st.sampled_from(LATEX)))
        elif kind == 7 and depth < 2:
            pieces.append("{" + draw(texts(depth=depth + 1)) + "}")
        elif kind == 8:
            pieces.append(draw(st.sampled_from([":", ".", "?", "!", ",", ";", "--", "("])))
        else:
            pieces.append(draw(st.text("abcXYZ éß-'.", min_size=1, max_size=6)))
    glue = draw(st.sampled_from([" ", " ", " ", "", "  ", "\n  "]))
    return glue.join(pieces)


def names() -> st.SearchStrategy[str]:
    """A name list: names joined by ``and`` (sometimes ``and others``)."""
    one = st.one_of(
        st.sampled_from(NAMES),
        st.tuples(plain_words(), st.sampled_from(WORDS)).map(lambda p: f"{p[1]}, {p[0]}"),
        texts(depth=1),
    )
    return st.tuples(
        st.lists(one, min_size=1, max_size=4),
        st.sampled_from([" and ", " and ", " AND ", "\n and ", " and\n"]),
        st.booleans(),
    ).map(lambda p: p[1].join(p[0]) + (" and others" if p[2] else ""))


def delimited(value: str, how: str) -> str:
    """A field value as written in a .bib file: in braces, in quotes or bare."""
    if how == "quotes" and '"' not in value and value.count("{") == value.count("}"):
        return f'"{value}"'
    if how == "bare" and re.fullmatch(r"[0-9]+", value):
        return value
    return "{" + value + "}"


@st.composite
def fields(draw: st.DrawFn, entry_type: str) -> list[tuple[str, str]]:
    """Field names and their written values, fitting the entry type most of the time."""
    chosen: list[tuple[str, str]] = []
    how = st.sampled_from(["braces", "braces", "quotes", "bare"])
    if draw(st.integers(0, 9)):
        chosen.append(("title", delimited(draw(texts()), draw(how))))
    for field in draw(st.lists(st.sampled_from(NAME_FIELDS[:3]), max_size=2, unique=True)):
        chosen.append((field, delimited(draw(names()), draw(how))))
    if draw(st.booleans()):
        chosen.append((draw(st.sampled_from(NAME_FIELDS)), "{" + draw(names()) + "}"))
    dating = draw(st.integers(0, 3))
    if dating == 1:
        chosen.append(("date", delimited(draw(st.sampled_from(DATES)), draw(how))))
    elif dating >= 2:
        chosen.append(("year", delimited(draw(st.sampled_from(YEARS)), draw(how))))
        if draw(st.booleans()):
            chosen.append(("month", draw(st.sampled_from(MONTHS))))
    if draw(st.integers(0, 3)) == 0:
        field = draw(st.sampled_from(DATE_FIELDS[1:]))
        chosen.append((field, "{" + draw(st.sampled_from(DATES)) + "}"))
    if entry_type in ("article", "inproceedings", "incollection", "inbook") or draw(st.booleans()):
        chosen.append(("pages", delimited(draw(st.sampled_from(PAGES)), draw(how))))
    extra = draw(st.lists(st.sampled_from(sorted(SIMPLE_FIELDS)), max_size=6, unique=True))
    for field in extra:
        value = draw(st.one_of(st.sampled_from(SIMPLE_FIELDS[field]), texts(depth=1)))
        chosen.append((field, delimited(value, draw(how))))
    if draw(st.integers(0, 4)) == 0:
        chosen.append(("langid", "{" + draw(st.sampled_from(LANGIDS)) + "}"))
    return draw(st.permutations(chosen))


@st.composite
def entries(draw: st.DrawFn, key: str | None = None, types: list[str] | None = None) -> str:
    """One entry: ``@type{key, field = value, ...}`` in one of the layouts people write."""
    entry_type = draw(st.sampled_from(types or COMMON_TYPES) | st.sampled_from(ENTRY_TYPES))
    written_type = draw(
        st.sampled_from([entry_type, entry_type, entry_type.capitalize(), entry_type.upper()])
    )
    key = key if key is not None else draw(keys())
    parts = [
        (draw(st.sampled_from([name, name, name.capitalize(), name.upper()])), value)
        for name, value in draw(fields(entry_type))
    ]
    # pandoc 2.17 refuses @type(key, ...) (a parse error for the whole input): few of those.
    layout = draw(st.sampled_from(["lines", "lines", "one-line", "aligned"] * 8 + ["parens"]))
    if layout == "one-line":
        body = ", ".join(f"{name}={value}" for name, value in parts)
        return f"@{written_type}{{{key}, {body}}}\n"
    if layout == "aligned":
        body = "".join(f"  {name:<12} = {value},\n" for name, value in parts)
        return f"@{written_type}{{{key},\n{body}}}\n"
    if layout == "parens":
        body = ",\n".join(f"\t{name} = {value}" for name, value in parts)
        return f"@{written_type}({key},\n{body}\n)\n"
    body = ",\n".join(f"  {name} = {value}" for name, value in parts)
    trailing = draw(st.sampled_from(["", ",", ",\n"]))
    return f"@{written_type}{{{key},\n{body}{trailing}\n}}\n"


@st.composite
def bibliographies(draw: st.DrawFn, size: int = 3) -> str:
    """A few entries with distinct keys, separated by blank lines or comments."""
    chosen_keys = draw(st.lists(keys(), min_size=1, max_size=size, unique=True))
    separators = st.sampled_from(
        ["\n", "", "\n% a comment\n", "\nfree text between entries\n", "\n@comment{ignored}\n"]
    )
    return "".join(draw(separators) + draw(entries(key=key)) for key in chosen_keys)


def runs(bib: str, how: str) -> Case:
    """A case converting ``bib`` given as a file argument, on stdin, or into an output file."""
    data = bib.encode()
    if how == "file":
        return Case(args=("refs.bib",), files={"refs.bib": data})
    if how == "output":
        return Case(args=("-o", "out.json", "refs.bib"), files={"refs.bib": data})
    if how == "output-stdin":
        return Case(args=("--output=refs.json",), stdin=data)
    return Case(stdin=data)


HOW = st.sampled_from(["file", "file", "stdin", "stdin", "output", "output-stdin"])


@generator("bib2json", "entries")
def entry_cases() -> st.SearchStrategy[Case]:
    """Bibliographies of every entry type with the fields that go with them."""
    return st.tuples(bibliographies(), HOW).map(lambda p: runs(*p))


@generator("bib2json", "names")
def name_cases() -> st.SearchStrategy[Case]:
    """Author and editor lists: von and Jr parts, braces, corporate names, ``others``."""
    entry = st.tuples(keys(), names(), st.sampled_from(NAME_FIELDS), names()).map(
        lambda p: (
            f"@book{{{p[0]},\n  author = {{{p[1]}}},\n  {p[2]} = {{{p[3]}}},\n  title = {{T}}\n}}\n"
        )
    )
    return st.tuples(st.lists(entry, min_size=1, max_size=3).map("\n".join), HOW).map(
        lambda p: runs(*p)
    )


@generator("bib2json", "titles")
def title_cases() -> st.SearchStrategy[Case]:
    """LaTeX in titles and other text fields: accents, commands, quotes, dashes, case changes
    by language (English titles go to sentence case, protected words excepted)."""
    entry = st.tuples(
        keys(),
        st.sampled_from(COMMON_TYPES),
        texts(),
        st.sampled_from(["", *LANGIDS]),
        st.sampled_from(["subtitle", "booktitle", "journaltitle", "note", "series", "abstract"]),
        texts(depth=1),
    ).map(
        lambda p: (
            f"@{p[1]}{{{p[0]},\n  title = {{{p[2]}}},\n"
            + (f"  langid = {{{p[3]}}},\n" if p[3] else "")
            + f"  {p[4]} = {{{p[5]}}}\n}}\n"
        )
    )
    return st.tuples(st.lists(entry, min_size=1, max_size=3).map("\n".join), HOW).map(
        lambda p: runs(*p)
    )


@generator("bib2json", "dates")
def date_cases() -> st.SearchStrategy[Case]:
    """Dates as ``date`` (ISO 8601 forms, ranges, uncertain and approximate) or year, month and
    day, and the other date fields."""
    value = st.one_of(
        st.sampled_from(DATES),
        st.tuples(st.integers(-50, 2100), st.integers(0, 14), st.integers(0, 32)).map(
            lambda p: f"{p[0]:04d}-{p[1]:02d}-{p[2]:02d}"
        ),
    )
    parts = st.one_of(
        st.tuples(st.sampled_from(DATE_FIELDS), value).map(lambda p: f"{p[0]} = {{{p[1]}}}"),
        st.tuples(
            st.sampled_from(YEARS), st.sampled_from(["", *MONTHS]), st.sampled_from(["", "5", "31"])
        ).map(
            lambda p: (
                f"year = {{{p[0]}}}"
                + (f", month = {p[1]}" if p[1] else "")
                + (f", day = {{{p[2]}}}" if p[2] else "")
            )
        ),
    )
    kinds = st.sampled_from(COMMON_TYPES)
    entry = st.tuples(keys(), kinds, st.lists(parts, min_size=1, max_size=3))
    return st.tuples(
        st.lists(entry, min_size=1, max_size=3).map(
            lambda items: "\n".join(
                f"@{kind}{{{key}, title = {{T}},\n  " + ",\n  ".join(body) + "\n}\n"
                for key, kind, body in items
            )
        ),
        HOW,
    ).map(lambda p: runs(*p))


@generator("bib2json", "macros")
def macro_cases() -> st.SearchStrategy[Case]:
    """@string macros and ``#`` joins, month macros, @preamble and @comment blocks, comments."""
    names_ = st.sampled_from(["jn", "pub", "ACM", "x1", "Springer", "undefined"])
    # pandoc 2.17 refuses @string(...) (a parse error for the whole input): few of those.
    delimiters = st.sampled_from(["{}", "{}", '""', '""', "{}", "()"])
    strings = st.lists(
        st.tuples(names_, texts(depth=1), delimiters).map(
            lambda p: (
                f"@string{p[2][0]}{p[0]} = {{{p[1]}}}{p[2][1]}\n"
                if p[2] != '""'
                else f'@STRING{{{p[0]} = "{p[1]}"}}\n'
            )
        ),
        max_size=3,
    )
    piece = st.one_of(
        names_,
        st.sampled_from(MONTHS[:12]),
        plain_words().map(lambda w: f'"{w}"'),
        plain_words().map(lambda w: f"{{{w}}}"),
        st.sampled_from(["2020", '" "', '"~"', "{, }"]),
    )
    value = st.lists(piece, min_size=1, max_size=4).map(" # ".join)
    field = st.tuples(
        st.sampled_from(["title", "journal", "publisher", "note", "month", "author", "series"]),
        value,
    ).map(lambda p: f"  {p[0]} = {p[1]}")
    extras = st.sampled_from(
        ["", "@preamble{ \"\\newcommand{\\noopsort}[1]{}\" }\n", "% comment line\n",
         "@comment{ @book{hidden, title={no}} }\n", "Some text outside entries.\n",
         "@Comment this line is a comment\n"]
    )  # fmt: skip
    kinds = st.sampled_from(COMMON_TYPES)
    entry = st.tuples(keys(), kinds, st.lists(field, min_size=1, max_size=4))
    return st.tuples(strings, extras, st.lists(entry, min_size=1, max_size=2), HOW).map(
        lambda p: runs(
            "".join(p[0])
            + p[1]
            + "\n".join(
                f"@{kind}{{{key},\n" + ",\n".join(body) + "\n}\n" for key, kind, body in p[2]
            ),
            p[3],
        )
    )


@st.composite
def inherited(draw: st.DrawFn) -> str:
    """A parent entry and children that inherit its fields by crossref or xdata."""
    parent_type, child_type = draw(
        st.sampled_from([
            ("book", "inbook"), ("book", "bookinbook"), ("proceedings", "inproceedings"),
            ("collection", "incollection"), ("mvbook", "book"), ("periodical", "article"),
            ("reference", "inreference"), ("mvcollection", "collection"), ("book", "article"),
            ("online", "misc"),
        ])
    )  # fmt: skip
    parent = draw(entries(key="parent", types=[parent_type]))
    parent = re.sub(r"^@\w+", f"@{parent_type}", parent)
    link = draw(st.sampled_from(["crossref", "crossref", "xdata", "xref", "CrossRef"]))
    target = draw(st.sampled_from(["parent", "parent", "parent", "missing", "Parent"]))
    xdata = ""
    if link == "xdata":
        xdata = "@xdata{parent-x,\n  publisher = {XPub},\n  location = {XLoc},\n  date = {2001}\n}"
        xdata += "\n"
        target = draw(st.sampled_from(["parent-x", "parent-x, parent", "missing"]))
    children = []
    for number in range(draw(st.integers(1, 2))):
        child = draw(entries(key=f"child{number}", types=[child_type]))
        child = re.sub(r"^@\w+", f"@{child_type}", child)
        child = child.replace(",", f",\n  {link} = {{{target}}},", 1)
        children.append(child)
    order = draw(st.sampled_from(["parent-last", "parent-first"]))
    blocks = [*children, xdata + parent] if order == "parent-last" else [xdata + parent, *children]
    return "\n".join(blocks)


@generator("bib2json", "inheritance")
def inheritance_cases() -> st.SearchStrategy[Case]:
    return st.tuples(inherited(), HOW).map(lambda p: runs(*p))


@generator("bib2json", "malformed")
def malformed_cases() -> st.SearchStrategy[Case]:
    """Bibliographies with a character cut or a tail lost, and hand-made breakages: errors and
    what the parser still accepts."""
    cut = bibliographies(size=2).flatmap(
        lambda text: st.tuples(st.integers(0, max(0, len(text) - 1)), st.integers(1, 3)).map(
            lambda p: text[: p[0]] + text[p[0] + p[1] :]
        )
    )
    truncated = bibliographies(size=2).flatmap(
        lambda text: st.integers(0, len(text)).map(lambda end: text[:end])
    )
    broken = st.sampled_from([
        "@misc{x, title={unclosed}\n", "@misc{, title={no key}}\n", "@misc{x title={a}}\n",
        "@misc{x, title = }\n", "@misc{x, = {v}}\n", "@misc{x, title={a}}}\n",
        "@misc{x, title={a}, title={b}}\n", "@misc{x, title={a}}\n@book{x, title={b}}\n",
        "@misc{x, title = undefinedmacro}\n", "@misc{x, title = \"a{\"}\n", "@{x, title={a}}\n",
        "@misc x, title={a}}\n", "@misc{x, title={a}\n@book{y, title={b}}\n", "@\n", "@@misc{x}\n",
        "@misc{x}\n", "@misc{x,}\n", "@misc{x, title={a} # }\n", "@misc{x, title={a} note={b}}\n",
        "@misc{x, author={and}}\n", "@misc{x, author={Doe, }}\n", "@misc{x, author={, John}}\n",
        "@misc{x, author={a, b, c, d}}\n", "@misc{x, title={\\}}\n", "@misc{x, title={$x}}\n",
        "@misc{x, date={2020-}}\n", "@string{a = {b}\n@misc{x, title=a}\n", "\ufeff@misc{x}",
        "@misc{x, title={\\begin{itemize}\\item a\\end{itemize}}}\n", "@misc{x, title={%}}\n",
        "@misc{x, title={a\n\nb}}\n", "@misc{x, title={\\verb|x|}}\n",
        "@misc{x, title={\\cite{y}}}\n",
    ])  # fmt: skip
    return st.tuples(st.one_of(cut, truncated, broken), HOW).map(lambda p: runs(*p))


@generator("bib2json", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """bib2json's options and input and output names, valid or not."""
    bib = "@book{k, author={Doe, J.}, title={A book}, year=2001}\n"
    options = st.lists(
        st.sampled_from([
            ("-o", "out.json"), ("--output", "out.json"), ("--output=o.json",), ("-o", "-"),
            ("--output", "refs.bib"), ("-h",),
        ]),
        max_size=2,
    )  # fmt: skip
    inputs = st.sampled_from(
        [(), ("refs.bib",), ("other.bib",), ("-",), ("--", "refs.bib"), ("--", "-")]
    )
    invalid = st.sampled_from([
        ("-o",), ("--output=",), ("--help",), ("-x",), ("--verbose",), ("-f", "bibtex"),
        ("missing.bib",), ("dir",), ("-o", "dir"), ("-o", "nodir/out.json"), ("-oout.json",),
        ("-t", "json"), ("",), ("refs.bib",),
    ])  # fmt: skip
    # Mostly valid command lines, in any order: one invalid word decides the whole outcome.
    words = (
        st.tuples(options, inputs, st.lists(invalid, max_size=1) | st.just([]) | st.just([]))
        .flatmap(lambda p: st.permutations([*p[0], p[1], *p[2]]))
        .map(lambda groups: tuple(word for group in groups for word in group))
    )
    return st.tuples(words, st.booleans()).map(
        lambda p: Case(
            args=p[0],
            files={
                "refs.bib": bib.encode(),
                "other.bib": b"@misc{o, title={other}}\n",
                "dir/keep": b"",
            },
            stdin=b"@misc{s, title={from stdin}}\n" if p[1] else b"",
        )
    )


# -- pandoc's own test suite --------------------------------------------------------------------

COMMAND = re.compile(r"^% pandoc (.*)$")


def _blocks(text: str) -> list[tuple[str, str, str]]:
    """The ``% pandoc ARGS`` / input / ``^D`` / output examples of one test/command file."""
    found = []
    for block in re.findall(r"^```+\n(% pandoc .*?)^```+$", text, flags=re.M | re.S):
        command, _, rest = block.partition("\n")
        body, marker, output = rest.partition("^D\n")
        if marker:
            found.append((COMMAND.match(command).group(1), body, output))  # type: ignore[union-attr]
    return found


@cache
def upstream_examples() -> tuple[tuple[str, str], ...]:
    """Bibliographies of pandoc's test suite, by where they come from: the inputs of its
    test/command examples that read ``-f biblatex`` or ``-f bibtex`` (whatever they write: the
    gold is bib2json's own output) and its ``.bib`` files."""
    from mirror.suites.upstream import upstream_files

    tree = upstream_files(
        "bib2json", "pandoc", "pandoc", ("test/command/*.md", "test/command/*.bib", "test/*.bib")
    )
    examples = []
    for path, data in sorted(tree.items()):
        text = data.decode("utf-8", errors="replace")
        if path.endswith(".bib"):
            examples.append((path, text))
            continue
        for number, (args, body, _) in enumerate(_blocks(text)):
            if args.split()[:2] in (["-f", "biblatex"], ["-f", "bibtex"]):
                examples.append((f"{path}#{number}", body))
    return tuple(examples)


@fixed_cases("bib2json", "upstream")
def upstream() -> list[Case]:
    return [Case(stdin=body.encode()) for _, body in upstream_examples()]
