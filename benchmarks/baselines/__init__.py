"""Naive purchase endpoints that benchmarks/purchase_path.py measures flashsale against.

Each is a small Starlette app with one purchase route, correct (no oversell, limit and
registration checked, the order durably committed before the 201) but unbatched: what a
straightforward implementation does. Run them under uvicorn with ``--factory``:

    uvicorn baselines.naive_redis:create_app --factory --app-dir benchmarks
    uvicorn baselines.row_lock:create_app --factory --app-dir benchmarks

configured through BASELINE_* environment variables (see common.py).
"""
