{# Generated from foundation/contract/ and models/marts/ by
   `revops contract-sync`; do not edit by hand. #}
{#
    No personal data in the marts: the columns the contract registry marks
    sensitive stay in raw and staging. Fails with a row per mart column named
    like one of them or holding e-mail-like values (macros/personal_data.sql).
#}
{{ config(severity='error', tags=['personal_data']) }}

{{
    personal_data_in_marts(
        marts=[
            ref('account_360'),
            ref('acquisition_monthly'),
            ref('ar_aging_monthly'),
            ref('bookings_by_type_monthly'),
            ref('cohort_retention'),
            ref('dim_account'),
            ref('dim_currency'),
            ref('dim_date'),
            ref('dim_product'),
            ref('dim_sales_rep'),
            ref('fct_activities'),
            ref('fct_csat_responses'),
            ref('fct_forecast_submissions'),
            ref('fct_invoice_lines'),
            ref('fct_invoices'),
            ref('fct_leads'),
            ref('fct_mrr'),
            ref('fct_payments'),
            ref('fct_product_usage'),
            ref('fct_quote_lines'),
            ref('fct_quotes'),
            ref('lead_funnel_monthly'),
            ref('metric_time_spine'),
            ref('metrics_monthly'),
            ref('model_evaluation'),
            ref('product_margin_monthly'),
            ref('sales_rep_monthly'),
        ],
        sensitive_columns=['comment', 'email'],
    )
}}
