"""Everything a run leaves on disk: atomic files and manifests (files), the run and
comparison directories (run_directory, compare_directory), figures drawn from the saved
tables (plots, figures, figures_relapse, figures_efficiency, style) and report.html (html, the
page; html_tables, how its numbers and tables are shown). Figures are drawn from files, never
from a live simulation."""
