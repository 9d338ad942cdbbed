"""The benchmarks behind `python -m nq57 bench` — outside nq57/, so the core never imports
Streamlit (pages.py does, lazily) or carries measuring code.

    cli.py           the bench options and main()
    ingest.py        `bench --ingest`: a 136,800-row workbook, full import vs calamine vs pandas
    views.py         `bench --views`: snapshots, red_flags/unit_scorecard vs the floor vs pandas
    pandas_rules.py  the views' rules in pandas, for the comparison
    pages.py         every page under AppTest (the only Streamlit import)
    common.py        best-of timing, peak memory, the table of goals
"""
