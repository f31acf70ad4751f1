def dispatch(name, package=None):
    if name == "to_utc_timestamp":
        return lambda col: f"cast(({col} at time zone 'UTC') as timestamp)"
    return lambda *a: "double"
