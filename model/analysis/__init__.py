"""What runs of a scenario mean: replicates and their headline figures with intervals
(replicates, intervals), paired comparisons (comparison), relapse-risk curves and
survival after exit (relapse), fund efficiency against the no-intervention run
(efficiency), studies that plan and combine these runs (study), and provinces (province)."""
