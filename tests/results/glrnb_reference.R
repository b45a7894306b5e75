# Reference values for the NB GLR and CUSUM charts in both directions (surveillance::glrnb).
# Usage: Rscript glrnb_reference.R OUT.json   (run from tests/results)
suppressMessages(library(surveillance))
a <- commandArgs(TRUE)
series <- function(file, column) {
  d <- read.csv(file, stringsAsFactors = FALSE)
  sts(observed = matrix(d[[column]], ncol = 1),
      start = c(as.integer(substr(d$month[1], 1, 4)), as.integer(substr(d$month[1], 6, 7))),
      frequency = 12)
}
run <- function(name, st, range, control) {
  control$range <- range
  g <- suppressMessages(glrnb(st, control = control))
  list(name = name, first = range[1], months = length(range),
       control = control[intersect(c("c.ARL", "dir", "ret", "M", "theta", "alpha"), names(control))],
       mu0 = as.numeric(g@control$mu0), alpha = g@control$alpha,
       observed = as.numeric(observed(st))[range],
       upperbound = as.numeric(upperbound(g)), alarm = as.logical(alarms(g)))
}
deir <- series("ged_is_deir_ez_zor_monthly.csv", "incidents")
deir_killed <- series("ged_is_deir_ez_zor_monthly.csv", "killed_best")
homs <- series("ged_is_homs_monthly.csv", "incidents")
# a fixed in-control mean and dispersion, counts falling away to zeros, a 6-month window
x <- c(22, 18, 25, 14, 9, 16, 8, 5, 11, 7, 3, 0, 0, 2, 0, 19, 24, 31, 6, 0, 0, 0, 0, 0)
fixed <- sts(observed = matrix(c(rep(20, 24), x), ncol = 1), start = c(2010, 1), frequency = 12)
cases <- list()
for (dir in c("dec", "inc")) {
  cases[[length(cases) + 1]] <- run(paste("homs incidents glr", dir), homs, 23:47,
                                    list(c.ARL = 5, dir = dir, ret = "value"))
  cases[[length(cases) + 1]] <- run(paste("deir incidents glr", dir), deir, 25:47,
                                    list(c.ARL = 5, dir = dir, ret = "value"))
  cases[[length(cases) + 1]] <- run(paste("deir killed_best glr", dir), deir_killed, 25:47,
                                    list(c.ARL = 5, dir = dir, ret = "value"))
  cases[[length(cases) + 1]] <- run(paste("fixed glr window 6", dir), fixed, 25:48,
                                    list(c.ARL = 5, dir = dir, ret = "value", M = 6,
                                         mu0 = rep(20, 24), alpha = 0.1))
  cases[[length(cases) + 1]] <- run(paste("fixed glr", dir), fixed, 25:48,
                                    list(c.ARL = 3, dir = dir, ret = "value",
                                         mu0 = rep(20, 24), alpha = 0.1))
}
# CUSUM for a fall to half (theta = log(1/2)): the statistic and R's closed-form count bound
for (ret in c("value", "cases")) {
  cases[[length(cases) + 1]] <- run(paste("deir incidents cusum half", ret), deir, 25:47,
                                    list(c.ARL = 5, ret = ret, theta = log(1/2)))
  cases[[length(cases) + 1]] <- run(paste("fixed cusum half", ret), fixed, 25:48,
                                    list(c.ARL = 5, ret = ret, theta = log(1/2),
                                         mu0 = rep(20, 24), alpha = 0.1))
}
out <- list(r_version = R.version.string,
            surveillance = as.character(packageVersion("surveillance")), cases = cases)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 12, pretty = TRUE, null = "null"), a[1])
cat("wrote", a[1], "\n")
