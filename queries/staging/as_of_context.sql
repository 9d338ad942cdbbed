-- grain: one row
-- columns: as_of, as_of_end, as_of_month, first_period
--
-- The date every view is computed for. Callers choose it per connection with
-- `set variable as_of = DATE '2025-12-31'`; without it, today.
with final as (
    select
        as_of_day()                                                                 as as_of,
        (as_of_day() + 1)::timestamp                                                as as_of_end,
        date_trunc('month', as_of_day())::date                                      as as_of_month,
        setting('first_period')::date                                               as first_period
)
select * from final
