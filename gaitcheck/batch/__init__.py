"""`gaitcheck batch`: many videos in (a folder or a manifest CSV), one result folder per video and
one table out, resumable after any crash, on this machine's processes or on a Ray cluster.

Modules: `inputs` (what to analyse), `keys` (content keys), `folders` (the output folder's layout
and its crash-safe writes), `work` (one video -> one result folder; shared by both backends),
`local` and `ray_backend` (who runs `work.process`), `table` and `index` (summary.csv and
index.html, rebuilt from the result folders), `progress`, and `runner` (the whole batch).
"""
