"""A cold query's path (issue 5): reading index files in place, opening an index once.

No timings: ``scripts/bench.py`` measures the cold CLI.  These check that the
shortcuts behave like what they replace.
"""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO

from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit import Index
from searchkit.whoosh_ext.speedups import _ViewReader, lazy_buffer_files

operations = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(-1, 40)),
        st.tuples(st.just("readline"), st.integers(-1, 40)),
        st.tuples(st.just("seek"), st.integers(0, 60), st.sampled_from([0, 1, 2])),
        st.tuples(st.just("tell")),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=50), ops=operations)
def test_view_reader_reads_like_bytesio(data, ops):
    view, reference = _ViewReader(memoryview(data)), BytesIO(data)
    for op in ops:
        if op[0] == "seek":
            whence = op[2]
            offset = op[1] if whence == 0 else op[1] - 30  # relative seeks go both ways
            base = (0, reference.tell(), len(data))[whence]
            if base + offset < 0:
                continue  # both refuse a negative position
            assert view.seek(offset, whence) == reference.seek(offset, whence)
        elif op[0] == "tell":
            assert view.tell() == reference.tell()
        else:
            assert getattr(view, op[0])(op[1]) == getattr(reference, op[0])(op[1]), op


def test_a_buffer_file_reads_its_view_without_copying():
    from whoosh.filedb.structfile import BufferFile

    lazy_buffer_files()
    data = bytearray(b"\x00\x05hello world\n" * 100)
    part = BufferFile(memoryview(data), name="part")
    part.seek(2)
    assert part.read(5) == b"hello"
    assert part.get(8, 5) == b"world"
    assert isinstance(part.file, _ViewReader)  # no BytesIO copy of the whole part
    data[2:7] = b"HELLO"  # a view, not a copy: it sees the buffer's bytes
    part.seek(2)
    assert part.read(5) == b"HELLO"
    part.close()


def test_reopening_an_index_reads_it_with_searchkits_schema(ix):
    path = ix.path
    total = ix.search("treaty").total
    ix.close()
    again = Index(path, create=False)
    assert again._ix.schema.names() == ix._ix.schema.names()
    assert again.search("treaty").total == total
    again.close()


words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(table=st.dictionaries(words, words, max_size=40), probes=st.lists(words, max_size=10))
def test_stem_table_bisection_finds_exactly_the_written_pairs(table, probes):
    """The cold query's byte-level lookup answers what a dict of the table would."""
    from searchkit.analysis import _bisect_table

    data = "".join(f"{w}\t{s}\n" for w, s in sorted(table.items())).encode("utf-8")
    for word in [*table, *probes]:
        assert _bisect_table(data, (word + "\t").encode("utf-8")) == table.get(word), word


def test_whooshs_english_morphology_loads_only_when_used():
    code = (
        "import sys, searchkit\n"
        "from searchkit import Index\n"
        "import whoosh.query\n"
        "from whoosh.query.terms import variations\n"
        "stand_in = not hasattr(sys.modules['whoosh.lang.morph_en'], 'rules')\n"
        "found = sorted(variations('rendered'))\n"
        "real = sys.modules['whoosh.lang.morph_en']\n"
        "print(stand_in, hasattr(real, 'rules'), sorted(real.variations('rendered')) == found, 'render' in found)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True", "True", "True"], result.stderr


def test_searchkit_query_does_not_import_the_web_stack(ix):
    """``searchkit serve``'s Starlette, uvicorn and Jinja2 are loaded by that command only."""
    code = (
        "import sys\n"
        "from searchkit.cli import main\n"
        "try:\n"
        f"    main(['query', 'treaty', '--json', '--index', {str(ix.path)!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "web = sorted({m.split('.')[0] for m in sys.modules} & {'starlette', 'uvicorn', 'jinja2', 'markupsafe',"
        " 'anyio', 'httpx', 'httpx2', 'searchkit'})\n"
        "print(' '.join(web), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"total"' in result.stdout  # the query did run
    assert result.stderr.split() == ["searchkit"], result.stderr
