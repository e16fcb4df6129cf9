"""Print the table of scenarios/README.md ("What they give") from a comparison directory.

    python run.py compare scenarios/baseline_calibrated.yaml scenarios/baseline.yaml \\
        scenarios/dibao_only.yaml ... --replicates 3 --households 10000 --out DIR
    python scenarios/library_table.py DIR

Means over the replicates, from DIR/comparison.csv and DIR/efficiency.csv.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DEVELOPMENT = ("industry", "employment", "relocation", "education", "asset_income")


def library_table(directory: Path) -> str:
    comparison = pd.read_csv(directory / "comparison.csv")
    mean = comparison.pivot(index="scenario", columns="indicator", values="mean")
    mean = mean.loc[comparison["scenario"].unique()]  # the command's order
    efficiency = pd.read_csv(directory / "efficiency.csv")
    package = efficiency[efficiency["left_out"].isna() | (efficiency["left_out"] == "")]
    cost = package.pivot(index="scenario", columns="measure", values="mean")
    rows = [
        "| scenario | incidence 2020 | exit rate | exits 2014-20 | lasting share | wrongly "
        "exited per exit | relapses per exit | spending, million yuan | yuan per additional "
        "lasting exit | gap closed per 10,000 yuan | development share | safety-net share |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, m in mean.iterrows():
        development = sum(m.get(f"exit_share_{c}", 0.0) for c in DEVELOPMENT)
        per_lasting = cost["cost_per_lasting_exit"].get(name) if not cost.empty else None
        gap = cost["poverty_gap_reduction_per_10k_yuan"].get(name) if not cost.empty else None
        rows.append(
            f"| {name} | {m['incidence_persons_final_year']:.3f} | {m['exit_rate_mean']:.2f} | "
            f"{m['exits_households_total']:,.0f} | {m['lasting_exit_share']:.2f} | "
            f"{m['wrongly_exited_share_of_exits']:.2f} | {m['relapse_share_of_exits']:.2f} | "
            f"{m['spending_total'] / 1e6:.1f} | "
            f"{'-' if per_lasting is None or pd.isna(per_lasting) else f'{per_lasting:,.0f}'} | "
            f"{'-' if gap is None or pd.isna(gap) else f'{gap:,.0f}'} | "
            f"{development:.2f} | {m['exit_share_safety_net']:.2f} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(library_table(Path(sys.argv[1])))
