def strftime(fmt):
    return "2024-01-01 00:00:00.000000"
