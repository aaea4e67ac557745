"""From files to an index: finding the files, reading and classifying them, keeping the index in step.

* :mod:`.walk`: the files under the paths a user gives (hidden files, symlink
  loops, index folders);
* :mod:`.pipeline`: the one read-and-classify pipeline shared by ``extract``
  and ``index``;
* :mod:`.extract`: ``searchkit extract`` (``searchkit.extract``): that pipeline's
  documents without an index;
* :mod:`.incremental`: which file gave which documents, and the ids a file's
  documents take;
* :mod:`.run`: one indexing run into a writer (added, updated, unchanged,
  removed, skipped);
* :mod:`.build`: the build driver: which writer, how many worker processes,
  what each worker process does around its jobs.

Nothing heavy is imported here: ``searchkit.index`` imports parts of this
package, and a query needs none of it.
"""
