"""Another program's XMP: kept property for property, repaired only where that is provable.

exiv2 (through Adobe's XMP toolkit) silently reads a packet that is not well-formed XML as
empty, and would then write a fresh packet in its place: ``<xmp:Label>Tom & Jerry</xmp:Label>``
would be gone, though exiftool still reads it.  So before a packet is rewritten it is parsed
here, by a strict parser that never reads a DTD or resolves an entity (no external entities,
no entity expansion), into the list of its properties (namespace-qualified paths and values).
A bare ``&`` is the one fault repaired (escaping it changes no value); after the rewrite every
property of the old packet must still be in the new one.  Anything else is refused, and the
file is left untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers import expat

from creatorapp.core.media.base import FileProblem, Reason

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML = "http://www.w3.org/XML/1998/namespace"
_CONTAINERS = {f"{RDF} Bag", f"{RDF} Seq", f"{RDF} Alt"}
_LANG = f"{XML} lang"

# the namespaces of the properties the app writes (exiv2 key prefix -> namespace URI)
NAMESPACES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
}

ADVICE = (
    "re-save the file in the program that wrote it, or repair that XMP (exiftool -xmp:all "
    "-G1 FILE shows what it holds), then tag it again"
)

Path = tuple[str, ...]  # ("<namespace> <name>", "[1]", "<namespace> <field>", ...)

# an ampersand that does not start one of XML's own references
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")


class _Refused(Exception):
    """The packet has a construct we never parse (a DTD, an entity)."""


class _Node:
    __slots__ = ("attrs", "children", "name", "text")

    def __init__(self, name: str, attrs: dict[str, str]) -> None:
        self.name, self.attrs = name, attrs
        self.children: list[_Node] = []
        self.text: list[str] = []


def _refuse(*_args: object) -> None:
    raise _Refused("it declares a document type or entities, which XMP does not allow")


def _tree(text: str) -> _Node:
    parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    root = _Node("", {})
    stack = [root]

    def start(name: str, attrs: dict[str, str]) -> None:
        node = _Node(name, attrs)
        stack[-1].children.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        stack[-1].text.append(data)

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    parser.Parse(text.encode("utf-8"), True)
    return root


def _is_syntax(name: str) -> bool:
    """RDF's and XML's own attributes, and unqualified ones: none of them is a property."""
    return " " not in name or name.startswith((RDF + " ", XML + " "))


def _fields(node: _Node, path: Path, out: dict[Path, str]) -> None:
    for name, value in node.attrs.items():
        if not _is_syntax(name):
            out[(*path, name)] = value
    for child in node.children:
        _property(child, (*path, child.name), out)


def _property(node: _Node, path: Path, out: dict[Path, str], *, in_alt: bool = False) -> None:
    lang = node.attrs.get(_LANG)
    if lang is not None and not in_alt:
        out[(*path, "?xml:lang")] = lang  # a qualifier; alternatives are keyed by it instead
    if f"{RDF} resource" in node.attrs:
        out[path] = node.attrs[f"{RDF} resource"]
        return
    children = node.children
    if node.attrs.get(f"{RDF} parseType") == "Resource":
        _fields(node, path, out)
    elif len(children) == 1 and children[0].name in _CONTAINERS:
        alt = children[0].name == f"{RDF} Alt"
        items = [c for c in children[0].children if c.name == f"{RDF} li"]
        for index, item in enumerate(items, 1):
            key = item.attrs.get(_LANG) if alt else None
            where = f"[lang={key.lower()}]" if key is not None else f"[{index}]"
            _property(item, (*path, where), out, in_alt=key is not None)
    elif len(children) == 1 and children[0].name == f"{RDF} Description":
        _fields(children[0], path, out)
    elif children or any(not _is_syntax(a) for a in node.attrs):
        _fields(node, path, out)  # a struct written out, or as an empty element's attributes
    else:
        out[path] = "".join(node.text)


def _find_rdf(node: _Node) -> _Node | None:
    if node.name == f"{RDF} RDF":
        return node
    for child in node.children:
        found = _find_rdf(child)
        if found is not None:
            return found
    return None


def properties(text: str) -> dict[Path, str]:
    """Every property of a packet by its namespace-qualified path; raises ExpatError or
    _Refused when the packet is not well-formed XML we are willing to read."""
    rdf = _find_rdf(_tree(text))
    out: dict[Path, str] = {}
    if rdf is not None:
        for description in rdf.children:
            if description.name == f"{RDF} Description":
                _fields(description, (), out)
    return out


def decode(packet: bytes) -> str | None:
    """The packet as text (XMP may be stored as UTF-8, -16 or -32), without a leading BOM."""
    for encoding in ("utf-8", "utf-16-be", "utf-16-le", "utf-32-be", "utf-32-le"):
        try:
            text = packet.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "<" in text and ("xpacket" in text or "xmpmeta" in text or "RDF" in text):
            return text.removeprefix("\ufeff")
    return None


@dataclass(frozen=True)
class Foreign:
    """What a file's (or sidecar's) existing packet holds, and what exiv2 should update."""

    source: bytes | None  # the packet to update: as stored, or with bare ampersands escaped
    properties: dict[Path, str]
    repaired: bool = False


NONE = Foreign(None, {})


EMBEDDED = "its XMP metadata, written by another program,"


def _unreadable(subject: str, detail: str) -> FileProblem:
    return FileProblem(
        f"{subject} is not valid XMP ({detail}); rewriting it would lose that metadata, so "
        f"it was left as it is: {ADVICE}",
        Reason.FOREIGN_XMP_UNREADABLE,
    )


def examine(packet: bytes | None, subject: str = EMBEDDED) -> Foreign:
    """Read an existing packet's properties, repairing bare ampersands; raises FileProblem
    (FOREIGN_XMP_UNREADABLE) for a packet that cannot be read without guessing.  ``subject``
    names the packet in that message."""
    if packet is None or not packet.strip(b" \t\r\n\x00"):
        return Foreign(packet, {})
    text = decode(packet)
    if text is None:
        raise _unreadable(subject, "its text encoding cannot be recognised")
    try:
        return Foreign(packet, properties(text))
    except _Refused as exc:
        raise _unreadable(subject, str(exc)) from None
    except expat.ExpatError as exc:
        first = exc
    fixed = _BARE_AMP.sub("&amp;", text)
    if fixed != text:
        try:
            return Foreign(fixed.encode("utf-8"), properties(fixed), repaired=True)
        except (_Refused, expat.ExpatError):
            pass
    raise _unreadable(
        subject, f"{expat.ErrorString(first.code)} at line {first.lineno}, column {first.offset}"
    )


def _top(key: str) -> tuple[str | None, str]:
    """An exiv2 key's namespace URI (when known) and property name."""
    _family, prefix, name = key.split(".", 2)
    return NAMESPACES.get(prefix), name.split("[", 1)[0].split("/", 1)[0]


def _planned(path: Path, keys: list[tuple[str | None, str]]) -> bool:
    namespace, _, name = path[0].partition(" ")
    return any(n == name and (ns is None or ns == namespace) for ns, n in keys)


def check_kept(
    foreign: Foreign, new_packet: bytes, planned: set[str], subject: str = EMBEDDED
) -> None:
    """Every property of the old packet, other than those we set, is in the new one with the
    same value; raises FileProblem otherwise (the caller writes nothing)."""
    if not foreign.properties:
        return
    text = decode(new_packet)
    try:
        after = properties(text) if text is not None else None
    except (_Refused, expat.ExpatError):
        after = None
    if after is None:
        raise FileProblem(
            "check after writing failed: the new XMP packet cannot be read back; "
            "the file was left as it was",
            Reason.CHECK_FAILED,
        )
    keys = [_top(k) for k in planned]
    lost = [p for p, v in foreign.properties.items() if not _planned(p, keys) and after.get(p) != v]
    if lost:
        shown = ", ".join(_name(p) for p in lost[:3]) + (" ..." if len(lost) > 3 else "")
        raise FileProblem(
            f"{subject} cannot be rewritten without losing {len(lost)} of its properties "
            f"({shown}), so it was left as it is: {ADVICE}",
            Reason.FOREIGN_XMP_UNREADABLE,
        )


def _name(path: Path) -> str:
    return "/".join(p.rsplit(" ", 1)[-1] if " " in p else p for p in path)
