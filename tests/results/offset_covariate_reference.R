# Reference fits with an exposure offset and a covariate, and level-only change models.
#
# Usage (from this folder): Rscript offset_covariate_reference.R
# Reads seatbelts_monthly.csv (written by textbook_its.R) and writes ref_offset_covariate.json.
#
# Series: UK car drivers killed (DriversKilled), 1969-01 to 1984-12, with the distance driven
# (kms) as exposure and the petrol price (PetrolPrice) as a covariate, as in Harvey & Durbin
# (1986); break 1983-02 (the seat belt law). Model terms follow the package's design:
# t = 0..n-1, post = 1 from the break, tpost = (t - t0) * post, s1, c1, s2, c2 the harmonics
# of the calendar month.
suppressMessages({library(MASS); library(jsonlite)})
d <- read.csv("seatbelts_monthly.csv")
n <- nrow(d); d$t <- 0:(n - 1)
t0 <- which(d$month == "1983-02") - 1
d$post <- as.numeric(d$t >= t0); d$tpost <- (d$t - t0) * d$post
m <- as.numeric(substr(d$month, 6, 7))
d$s1 <- sin(2 * pi * m / 12); d$c1 <- cos(2 * pi * m / 12)
d$s2 <- sin(4 * pi * m / 12); d$c2 <- cos(4 * pi * m / 12)
fits <- list(
  both = DriversKilled ~ t + post + tpost + s1 + c1 + s2 + c2 + PetrolPrice + offset(log(kms)),
  level = DriversKilled ~ t + post + s1 + c1 + s2 + c2 + PetrolPrice + offset(log(kms)),
  null = DriversKilled ~ t + s1 + c1 + s2 + c2 + PetrolPrice + offset(log(kms))
)
out <- list()
for (name in names(fits)) {
  nb <- glm.nb(fits[[name]], data = d, control = glm.control(epsilon = 1e-10, maxit = 200))
  qp <- glm(fits[[name]], data = d, family = quasipoisson,
            control = glm.control(epsilon = 1e-10, maxit = 200))
  out[[name]] <- list(
    negbin = list(coef = as.list(coef(nb)), se = as.list(sqrt(diag(vcov(nb)))),
                  loglik = as.numeric(logLik(nb)), theta = nb$theta),
    quasipoisson = list(coef = as.list(coef(qp)), se = as.list(sqrt(diag(vcov(qp)))),
                        dispersion = summary(qp)$dispersion)
  )
}
# likelihood-ratio tests of the break terms (theta re-estimated under each model)
ll <- function(name) out[[name]]$negbin$loglik
out$lr_both <- list(stat = 2 * (ll("both") - ll("null")), df = 2)
out$lr_level <- list(stat = 2 * (ll("level") - ll("null")), df = 1)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "ref_offset_covariate.json")
