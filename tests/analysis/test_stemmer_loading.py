"""NLTK's Snowball stemmer loaded without NLTK's package root gives NLTK's stems, and leaves NLTK importable."""

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

PROBE = r"""
import re, sys
from pathlib import Path
from searchkit.analysis import stemming

stemmer = stemming.load_stemmer()
assert not [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")], "stand-in modules left behind"
assert "scipy" not in sys.modules and "numpy" not in sys.modules, "NLTK's package root was imported"
rss_mb = int(open("/proc/self/statm").read().split()[1]) * 4096 >> 20

words = set()
for path in Path(sys.argv[1]).rglob("*"):
    if path.is_file() and path.suffix in (".sgm", ".json", ".jsonl", ".txt", ".html"):
        words.update(w.lower() for w in re.findall(r"[^\W\d_]+", path.read_text("utf-8", "replace")))
stems = ["generous", "running", "others", "dying", "skies", "news", "inning", "succeeded", "proceed", "gently"]
suffixes = ["", "s", "es", "ed", "ing", "ly", "ness", "ation", "ational", "fulness", "ize", "ization", "ement"]
words.update(s + x for s in stems for x in suffixes)

import nltk  # the whole package, as usual
from nltk.stem.snowball import EnglishStemmer, SnowballStemmer
reference = EnglishStemmer(ignore_stopwords=False)
assert type(stemmer) is not EnglishStemmer  # a class loaded apart from the package's
different = [w for w in words if stemmer.stem(w) != reference.stem(w)]
assert not different, different[:10]
import nltk.corpus, nltk.stem.snowball
assert type(nltk.corpus.stopwords).__name__ == "LazyCorpusLoader"  # the real corpora, not the stand-in
assert nltk.stem.snowball.stopwords is nltk.corpus.stopwords
assert SnowballStemmer("english").stem("running") == "run"
print(len(words), rss_mb)
"""


def test_light_stemmer_gives_nltks_stems_and_leaves_nltk_whole():
    result = subprocess.run([sys.executable, "-c", PROBE, str(FIXTURES)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    count, rss_mb = map(int, result.stdout.split())
    assert count > 1000  # the fixtures' vocabulary was compared, not a handful of words
    assert rss_mb < 60  # NLTK's package root and SciPy alone take ~95 MB
