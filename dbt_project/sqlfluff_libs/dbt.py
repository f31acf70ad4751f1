def type_string():
    return "varchar"


def type_bigint():
    return "bigint"


def type_boolean():
    return "boolean"


def type_timestamp():
    return "timestamp"


def type_float():
    return "float"


def type_numeric():
    return "numeric"


def hash(x):
    return f"md5({x})"


def concat(xs):
    return "concat(" + ", ".join(xs) + ")"


def dateadd(part, n, d):
    return f"date_add({d}, {n})"


def datediff(a, b, part):
    return f"date_diff('{part}', {a}, {b})"


def date_trunc(part, d):
    return f"date_trunc('{part}', {d})"


def last_day(d, part):
    return f"last_day({d})"


def listagg(m, d, o=None, limit=None):
    return f"string_agg({m}, {d})"


def date_spine(part, a, b):
    return f"select {a} as date_day"


def string_literal(s):
    return f"'{s}'"
