# farringtonFlexible with R's defaults on the long bundled UCDP country-month deaths series
# (Syria and Iraq, 1989-01 to 2026-02: years of zeros, single large months, 383 months assessed).
# Usage: Rscript farrington_long_reference.R ../../data/ucdp_country_month_killed_syria_iraq_1989-2026.csv OUT.json
suppressMessages(library(surveillance))
a <- commandArgs(TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
rng <- 64:nrow(d)  # R's default range needs b * 12 + w = 63 months before the first
out <- list(r_version = R.version.string, surveillance = as.character(packageVersion("surveillance")),
            control = list(b = 5, w = 3, alpha = 0.05, trend = TRUE, reweight = TRUE,
                           weightsThreshold = 2.58, powertrans = "2/3", limit54 = c(5, 4),
                           noPeriods = 1, populationOffset = FALSE),
            months = d$month[rng])
for (col in c("syria_killed_best", "iraq_killed_best")) {
  st <- sts(observed = matrix(d[[col]], ncol = 1), start = c(1989, 1), frequency = 12)
  ff <- suppressWarnings(farringtonFlexible(st, control = list(range = rng, populationOffset = FALSE)))
  out[[col]] <- list(upperbound = as.numeric(upperbound(ff)), alarm = as.logical(alarms(ff)))
}
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 15, pretty = FALSE, na = "null"), a[2])
cat("wrote", a[2], "\n")
