"""Field visits: route planning for visitor pairs (travel times, the day plan, its checks)."""
