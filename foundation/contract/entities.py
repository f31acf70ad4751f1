"""The landing contract's entities: the one definition of the project's input.

The loader enforces these columns, types and rules; the dbt sources and the
staging tests, the raw and staging GX suites and `docs/landing-contract.md`
are generated from them (`revops contract-sync`); the sample-company
generator draws its enum values from them. Add an entity or a column here,
run `make generate`, and every one of those follows.
"""

from __future__ import annotations

from decimal import Decimal

from foundation.contract.model import Column, Entity, RowRule

ZERO = Decimal(0)

UPDATED_AT = Column(
    "updated_at",
    "timestamp",
    required=True,
    description="Version time of the row; the greatest wins.",
)
IS_DELETED = Column(
    "is_deleted",
    "bool",
    description="True on the winning version removes the row from staging on.",
    in_staging=False,
)
CURRENCY = Column(
    "currency", "currency", required=True, description="ISO 4217 currency of the row's amounts."
)
OWNER_REP_ID = Column(
    "owner_rep_id",
    "str",
    description="Sales rep id (there is no rep entity: the id is the rep).",
)
FIRST_OF_MONTH = "extract(day from month) = 1"

PRODUCTS = Entity(
    "products",
    key=("product_id",),
    description="What is sold: recurring subscriptions and one-time services.",
    columns=(
        Column("product_id", "str", required=True, description="Product key."),
        Column("sku", "str", description="Stock keeping unit."),
        Column(
            "name",
            "str",
            required=True,
            description="Product name.",
            staging_name="product_name",
        ),
        Column("family", "str", description="Product line, e.g. platform, add_on, services."),
        Column(
            "pricing_model",
            "str",
            required=True,
            description="How the product is priced.",
            enum=("recurring", "one_time"),
        ),
        Column(
            "billing_interval_months",
            "int",
            description="Billing interval of a recurring product; null for one-time.",
            enum=("1", "3", "6", "12"),
        ),
        Column(
            "list_price",
            "decimal",
            required=True,
            description="Price per unit per month (recurring) or per unit (one-time).",
            min_value=ZERO,
        ),
        Column(
            "currency",
            "currency",
            required=True,
            description="ISO 4217 currency of list_price and unit_cost.",
        ),
        Column(
            "unit_cost",
            "decimal",
            description="Cost per unit per month (recurring) or per unit (one-time), in the "
            "product's currency; an optional column (a file without it loads, cost unknown).",
            min_value=ZERO,
        ),
        Column("is_active", "bool", description="Whether the product is sold."),
        UPDATED_AT,
        IS_DELETED,
    ),
)

ACCOUNTS = Entity(
    "accounts",
    key=("account_id",),
    description="Customers and prospects.",
    columns=(
        Column("account_id", "str", required=True, description="Account key."),
        Column(
            "name",
            "str",
            required=True,
            description="Account (company) name.",
            staging_name="account_name",
        ),
        Column(
            "email", "str", description="Billing contact e-mail; personal data.", sensitive=True
        ),
        Column("industry", "str", description="Industry of the account."),
        Column(
            "segment",
            "str",
            description="Customer segment.",
            enum=("smb", "mid_market", "enterprise"),
        ),
        Column("country", "country", description="ISO 3166-1 alpha-2 country code."),
        Column(
            "owner_rep_id",
            "str",
            description="Sales rep who owns the account (the id is the rep).",
        ),
        Column(
            "acquisition_channel",
            "str",
            description="How the account was acquired, e.g. inbound, outbound, partner, "
            "paid_search.",
        ),
        Column(
            "created_at",
            "timestamp",
            required=True,
            description="Creation time.",
            utc_date="created_date",
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
)

QUOTES = Entity(
    "quotes",
    key=("quote_id",),
    description="Quotes (CPQ); an accepted quote is a contract.",
    columns=(
        Column("quote_id", "str", required=True, description="Quote key."),
        Column(
            "account_id",
            "str",
            required=True,
            description="The account quoted.",
            references="accounts",
        ),
        OWNER_REP_ID,
        Column(
            "quote_type", "str", description="Kind of deal.", enum=("new", "renewal", "expansion")
        ),
        Column(
            "status",
            "str",
            required=True,
            description="Quote status.",
            enum=("draft", "sent", "accepted", "rejected", "expired"),
            staging_name="quote_status",
        ),
        CURRENCY,
        Column(
            "created_at",
            "timestamp",
            required=True,
            description="Creation time.",
            utc_date="created_date",
        ),
        Column(
            "sent_at",
            "timestamp",
            description="Time the quote was sent.",
            utc_date="sent_date",
        ),
        Column(
            "decided_at",
            "timestamp",
            description="Time the quote was accepted, rejected or expired; required then.",
            utc_date="decided_date",
        ),
        Column(
            "contract_start_date",
            "date",
            description="First day of the contract; required when accepted.",
        ),
        Column(
            "term_months",
            "int",
            description="Contract length in months; required when accepted.",
            min_value=Decimal(1),
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
    row_rules=(
        RowRule(
            "required_when",
            "decided_at",
            "status not in ('accepted', 'rejected', 'expired') or decided_at is not null",
        ),
        RowRule(
            "required_when",
            "contract_start_date",
            "status <> 'accepted' or contract_start_date is not null",
        ),
        RowRule("required_when", "term_months", "status <> 'accepted' or term_months is not null"),
    ),
)

QUOTE_LINES = Entity(
    "quote_lines",
    key=("quote_line_id",),
    description="Lines of quotes: product, quantity, price, discount.",
    columns=(
        Column("quote_line_id", "str", required=True, description="Quote line key."),
        Column(
            "quote_id",
            "str",
            required=True,
            description="The quote the line belongs to.",
            references="quotes",
        ),
        Column(
            "product_id",
            "str",
            required=True,
            description="The product quoted.",
            references="products",
        ),
        Column(
            "quantity",
            "decimal",
            required=True,
            description="Units quoted.",
            min_value=ZERO,
            min_inclusive=False,
        ),
        Column(
            "unit_price",
            "decimal",
            required=True,
            description="Price per unit per month (recurring) or per unit (one-time), "
            "in the quote's currency.",
            min_value=ZERO,
        ),
        Column(
            "discount_pct",
            "decimal",
            description="Discount in percent; null = 0.",
            min_value=ZERO,
            max_value=Decimal(100),
            max_inclusive=False,
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
)

INVOICES = Entity(
    "invoices",
    key=("invoice_id",),
    description="Invoices (billing).",
    columns=(
        Column("invoice_id", "str", required=True, description="Invoice key."),
        Column("invoice_number", "str", description="Human invoice number."),
        Column(
            "account_id",
            "str",
            required=True,
            description="The account billed.",
            references="accounts",
        ),
        Column(
            "quote_id",
            "str",
            description="The contract billed; null for ad-hoc invoices.",
            references="quotes",
        ),
        Column(
            "status",
            "str",
            required=True,
            description="Invoice status.",
            enum=("draft", "open", "paid", "void", "uncollectible"),
            staging_name="invoice_status",
        ),
        CURRENCY,
        Column(
            "issued_at",
            "date",
            description="Date the invoice was issued; required unless draft.",
            staging_name="issued_date",
        ),
        Column(
            "due_at",
            "date",
            description="Date the invoice is due; on or after issued_at.",
            staging_name="due_date",
        ),
        Column(
            "total_amount",
            "decimal",
            required=True,
            description="Invoice total in its currency; equals the sum of its lines' amount.",
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
    row_rules=(
        RowRule("required_when", "issued_at", "status = 'draft' or issued_at is not null"),
        RowRule(
            "out_of_range",
            "due_at",
            "due_at is null or issued_at is null or due_at >= issued_at",
        ),
    ),
)

INVOICE_LINES = Entity(
    "invoice_lines",
    key=("invoice_line_id",),
    description="Invoice lines with service periods; negative amounts are credits.",
    columns=(
        Column("invoice_line_id", "str", required=True, description="Invoice line key."),
        Column(
            "invoice_id",
            "str",
            required=True,
            description="The invoice the line belongs to.",
            references="invoices",
        ),
        Column(
            "product_id",
            "str",
            required=True,
            description="The product billed.",
            references="products",
        ),
        Column("description", "str", description="Line description."),
        Column("quantity", "decimal", description="Units billed."),
        Column("unit_amount", "decimal", description="Unit amount in the invoice's currency."),
        Column(
            "amount",
            "decimal",
            required=True,
            description="Line total in the invoice's currency; negative for credits.",
        ),
        Column(
            "period_start",
            "date",
            description="Service period start (inclusive); required for recurring products.",
        ),
        Column(
            "period_end",
            "date",
            description="Service period end (exclusive); after period_start.",
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
    row_rules=(
        RowRule(
            "out_of_range",
            "period_end",
            "period_end is null or period_start is null or period_end > period_start",
        ),
    ),
)

PAYMENTS = Entity(
    "payments",
    key=("payment_id",),
    description="Payments received against invoices.",
    columns=(
        Column("payment_id", "str", required=True, description="Payment key."),
        Column(
            "invoice_id",
            "str",
            required=True,
            description="The invoice paid.",
            references="invoices",
        ),
        Column(
            "account_id",
            "str",
            description="The paying account; must match the invoice's when given.",
            references="accounts",
        ),
        Column(
            "amount",
            "decimal",
            required=True,
            description="Amount paid in the payment's currency.",
            min_value=ZERO,
            min_inclusive=False,
        ),
        Column(
            "currency",
            "currency",
            required=True,
            description="ISO 4217 currency of the amount; must equal the invoice's.",
        ),
        Column(
            "received_at",
            "timestamp",
            required=True,
            description="Time the payment was received.",
            utc_date="received_date",
        ),
        Column(
            "method",
            "str",
            description="Payment method.",
            enum=("card", "ach", "wire", "check", "other"),
        ),
        Column(
            "status",
            "str",
            required=True,
            description="Payment status; a refunded payment counts as not received.",
            enum=("succeeded", "failed", "refunded"),
            staging_name="payment_status",
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
)

FX_RATES = Entity(
    "fx_rates",
    key=("currency", "rate_date"),
    reference=True,
    optional=True,
    description="Daily or monthly FX rates to USD (USD needs no row).",
    columns=(
        Column("currency", "currency", required=True, description="ISO 4217 currency code."),
        Column("rate_date", "date", required=True, description="Date the rate applies from."),
        Column(
            "usd_per_unit",
            "decimal",
            required=True,
            description="US dollars per unit of the currency on rate_date.",
            min_value=ZERO,
            min_inclusive=False,
        ),
    ),
)

SALES_TARGETS = Entity(
    "sales_targets",
    key=("owner_rep_id", "month"),
    reference=True,
    optional=True,
    description="Monthly sales targets per rep, in USD.",
    columns=(
        Column("owner_rep_id", "str", required=True, description="Sales rep id."),
        Column("month", "date", required=True, description="First day of the month."),
        Column(
            "target_amount_usd",
            "decimal",
            required=True,
            description="Sales target of the rep for the month, USD.",
        ),
    ),
    row_rules=(RowRule("out_of_range", "month", FIRST_OF_MONTH),),
)

MARKETING_SPEND = Entity(
    "marketing_spend",
    key=("month", "channel"),
    reference=True,
    optional=True,
    description="Marketing spend per month and channel, in USD.",
    columns=(
        Column("month", "date", required=True, description="First day of the month."),
        Column("channel", "str", required=True, description="Marketing channel."),
        Column("amount_usd", "decimal", required=True, description="Amount spent, USD."),
    ),
    row_rules=(RowRule("out_of_range", "month", FIRST_OF_MONTH),),
)

LEADS = Entity(
    "leads",
    key=("lead_id",),
    optional=True,
    description="Leads from marketing automation and the CRM; a converted lead becomes an account.",
    columns=(
        Column("lead_id", "str", required=True, description="Lead key."),
        Column(
            "created_at",
            "timestamp",
            required=True,
            description="Creation time; the lead's cohort is its UTC month.",
            utc_date="created_date",
        ),
        Column(
            "source_channel",
            "str",
            description="Where the lead came from; the same values as "
            "accounts.acquisition_channel.",
        ),
        OWNER_REP_ID,
        Column(
            "status",
            "str",
            required=True,
            description="Lead status.",
            enum=("new", "working", "qualified", "disqualified", "converted"),
            staging_name="lead_status",
        ),
        Column(
            "qualified_at",
            "timestamp",
            description="When the lead became sales-qualified; on or after created_at.",
            utc_date="qualified_date",
        ),
        Column(
            "converted_at",
            "timestamp",
            description="When the lead converted; required when converted; on or after created_at.",
            utc_date="converted_date",
        ),
        Column(
            "converted_account_id",
            "str",
            description="The account the lead became; required when converted.",
            references="accounts",
        ),
        Column("email", "str", description="Lead e-mail; personal data.", sensitive=True),
        UPDATED_AT,
        IS_DELETED,
    ),
    row_rules=(
        RowRule(
            "out_of_range",
            "qualified_at",
            "qualified_at is null or created_at is null or qualified_at >= created_at",
        ),
        RowRule(
            "required_when", "converted_at", "status <> 'converted' or converted_at is not null"
        ),
        RowRule(
            "out_of_range",
            "converted_at",
            "converted_at is null or created_at is null or converted_at >= created_at",
        ),
        RowRule(
            "required_when",
            "converted_account_id",
            "status <> 'converted' or converted_account_id is not null",
        ),
    ),
)

ACTIVITIES = Entity(
    "activities",
    key=("activity_id",),
    optional=True,
    description="Sales activities logged by reps: calls, e-mails, meetings and demos.",
    columns=(
        Column("activity_id", "str", required=True, description="Activity key."),
        Column("owner_rep_id", "str", required=True, description="The rep who did it."),
        Column(
            "activity_type",
            "str",
            required=True,
            description="Kind of activity.",
            enum=("call", "email", "meeting", "demo"),
        ),
        Column(
            "occurred_at",
            "timestamp",
            required=True,
            description="When it happened.",
            utc_date="occurred_date",
        ),
        Column("account_id", "str", description="The account it was about.", references="accounts"),
        Column("lead_id", "str", description="The lead it was about.", references="leads"),
        Column(
            "quote_id", "str", description="The deal (quote) it worked on.", references="quotes"
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
)

FORECAST_SUBMISSIONS = Entity(
    "forecast_submissions",
    key=("owner_rep_id", "forecast_month", "submitted_at"),
    reference=True,
    optional=True,
    description="Reps' forecasts of a month's bookings; a rep may submit several times.",
    columns=(
        Column("owner_rep_id", "str", required=True, description="The rep who forecasts."),
        Column(
            "forecast_month",
            "date",
            required=True,
            description="First day of the month forecast.",
        ),
        Column(
            "submitted_at",
            "timestamp",
            required=True,
            description="When the forecast was submitted.",
            utc_date="submitted_date",
        ),
        Column(
            "commit_amount_usd",
            "decimal",
            required=True,
            description="Bookings the rep commits to for the month, USD.",
            min_value=ZERO,
        ),
        Column(
            "best_case_amount_usd",
            "decimal",
            description="Bookings in the rep's best case, USD.",
            min_value=ZERO,
        ),
    ),
    row_rules=(RowRule("out_of_range", "forecast_month", "extract(day from forecast_month) = 1"),),
)

CSAT_RESPONSES = Entity(
    "csat_responses",
    key=("response_id",),
    optional=True,
    description="Customer-satisfaction survey responses, scored 1 to 5.",
    columns=(
        Column("response_id", "str", required=True, description="Response key."),
        Column(
            "account_id",
            "str",
            required=True,
            description="The account that responded.",
            references="accounts",
        ),
        Column(
            "responded_at",
            "timestamp",
            required=True,
            description="When the customer responded.",
            utc_date="responded_date",
        ),
        Column(
            "score",
            "int",
            required=True,
            description="Satisfaction from 1 (very unsatisfied) to 5 (very satisfied).",
            min_value=Decimal(1),
            max_value=Decimal(5),
        ),
        Column(
            "comment",
            "str",
            description="Free text; may hold personal data.",
            sensitive=True,
        ),
        UPDATED_AT,
        IS_DELETED,
    ),
)

PRODUCT_USAGE = Entity(
    "product_usage",
    key=("account_id", "product_id", "month"),
    reference=True,
    optional=True,
    description="Monthly product usage per account and product: seats, active and new users.",
    columns=(
        Column(
            "account_id",
            "str",
            required=True,
            description="The account using the product.",
            references="accounts",
        ),
        Column(
            "product_id",
            "str",
            required=True,
            description="The product used.",
            references="products",
        ),
        Column("month", "date", required=True, description="First day of the month."),
        Column(
            "licensed_seats",
            "int",
            description="Seats the account is licensed for.",
            min_value=ZERO,
        ),
        Column(
            "active_users",
            "int",
            required=True,
            description="Users active in the month.",
            min_value=ZERO,
        ),
        Column(
            "new_users",
            "int",
            description="Users active for the first time in the month; at most active_users.",
            min_value=ZERO,
        ),
    ),
    row_rules=(
        RowRule("out_of_range", "month", FIRST_OF_MONTH),
        RowRule(
            "out_of_range",
            "new_users",
            "new_users is null or active_users is null or new_users <= active_users",
        ),
    ),
)

ENTITIES: tuple[Entity, ...] = (
    PRODUCTS,
    ACCOUNTS,
    QUOTES,
    QUOTE_LINES,
    INVOICES,
    INVOICE_LINES,
    PAYMENTS,
    FX_RATES,
    SALES_TARGETS,
    MARKETING_SPEND,
    LEADS,
    ACTIVITIES,
    FORECAST_SUBMISSIONS,
    CSAT_RESPONSES,
    PRODUCT_USAGE,
)
