{#
    Grain: one row per quote (latest version, not deleted, not excluded),
    valued from its lines: int_quotes_valued, published with a contract.
    A table, not incremental: quote_value sums the quote's lines, and a line
    deleted or excluded later changes it without a newer load time on the
    quote; quotes are the smallest fact, so a rebuild is cheap.
#}
with

quotes as (
    select * from {{ ref('int_quotes_valued') }}
),

final as (
    select * from quotes
)

select * from final  -- noqa: AM04
