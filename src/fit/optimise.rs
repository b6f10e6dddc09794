//! Numerical maximisation of a likelihood: Nelder–Mead on the unconstrained parameters,
//! then standard errors from the observed information (a central-difference Hessian,
//! inverted). Written here rather than taken from an optimisation crate: a handful of
//! parameters needs none of their machinery, and fitted values are printed to digits that
//! must not move with a dependency's update (the same input gives the same bits).

/// A likelihood maximised numerically.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Maximum {
    /// The maximising (unconstrained) parameters.
    pub t: Vec<f64>,
    /// Their standard errors from the observed information (the inverse of the negative
    /// Hessian); infinite when the information is not positive definite.
    pub se: Vec<f64>,
    /// The maximised log-likelihood.
    pub log_likelihood: f64,
}

/// Maximises `ll` from `start` by Nelder–Mead (restarted once from its result, the usual
/// guard against a collapsed simplex), then takes the observed information from a
/// central-difference Hessian. Deterministic: the same input gives the same bits.
pub(super) fn maximise(ll: impl Fn(&[f64]) -> f64, start: &[f64]) -> Maximum {
    let cost = |t: &[f64]| {
        let v = -ll(t);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let first = nelder_mead(&cost, start, 0.1);
    let t = nelder_mead(&cost, &first, 0.01);
    let h = hessian(&cost, &t, 1e-4);
    let se = match invert(&h) {
        Some(cov) => (0..t.len())
            .map(|i| {
                let v = cov[i][i];
                if v > 0.0 { v.sqrt() } else { f64::INFINITY }
            })
            .collect(),
        None => vec![f64::INFINITY; t.len()],
    };
    Maximum {
        log_likelihood: -cost(&t),
        t,
        se,
    }
}

/// Minimises `f` by the Nelder–Mead simplex method (reflection 1, expansion 2, contraction
/// ½, shrink ½), from `start` with initial steps `step` along each axis. Stops when the
/// simplex's values agree to 1e-12 (relative) and its vertices to 1e-9, or after 4000
/// iterations.
fn nelder_mead(f: &impl Fn(&[f64]) -> f64, start: &[f64], step: f64) -> Vec<f64> {
    let n = start.len();
    let mut pts: Vec<Vec<f64>> = vec![start.to_vec()];
    for i in 0..n {
        let mut p = start.to_vec();
        p[i] += step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| f(p)).collect();
    let along = |a: &[f64], b: &[f64], s: f64| -> Vec<f64> {
        a.iter().zip(b).map(|(a, b)| a + s * (b - a)).collect()
    };
    for _ in 0..4000 {
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|a, b| vals[*a].total_cmp(&vals[*b]));
        pts = order.iter().map(|i| pts[*i].clone()).collect();
        vals = order.iter().map(|i| vals[*i]).collect();
        let spread = vals[n] - vals[0];
        let size = pts[1..]
            .iter()
            .flat_map(|p| p.iter().zip(&pts[0]).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if spread <= 1e-12 * (1.0 + vals[0].abs()) && size < 1e-9 {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| pts[..n].iter().map(|p| p[j]).sum::<f64>() / n as f64)
            .collect();
        let reflected = along(&centroid, &pts[n], -1.0);
        let fr = f(&reflected);
        if fr < vals[0] {
            let expanded = along(&centroid, &pts[n], -2.0);
            let fe = f(&expanded);
            if fe < fr {
                (pts[n], vals[n]) = (expanded, fe);
            } else {
                (pts[n], vals[n]) = (reflected, fr);
            }
        } else if fr < vals[n - 1] {
            (pts[n], vals[n]) = (reflected, fr);
        } else {
            let (contracted, bound) = if fr < vals[n] {
                (along(&centroid, &reflected, 0.5), fr)
            } else {
                (along(&centroid, &pts[n], 0.5), vals[n])
            };
            let fc = f(&contracted);
            if fc < bound {
                (pts[n], vals[n]) = (contracted, fc);
            } else {
                for i in 1..=n {
                    pts[i] = along(&pts[0], &pts[i], 0.5);
                    vals[i] = f(&pts[i]);
                }
            }
        }
    }
    let best = (0..=n)
        .min_by(|a, b| vals[*a].total_cmp(&vals[*b]))
        .unwrap_or(0);
    pts.swap_remove(best)
}

/// The central-difference Hessian of `f` at `t` with step `h`.
#[allow(clippy::needless_range_loop)] // i and j index both the matrix and the parameters
fn hessian(f: &impl Fn(&[f64]) -> f64, t: &[f64], h: f64) -> Vec<Vec<f64>> {
    let n = t.len();
    let at = |d: &[(usize, f64)]| {
        let mut p = t.to_vec();
        for (i, s) in d {
            p[*i] += s * h;
        }
        f(&p)
    };
    let f0 = f(t);
    let mut m = vec![vec![0.0; n]; n];
    for i in 0..n {
        m[i][i] = (at(&[(i, 1.0)]) - 2.0 * f0 + at(&[(i, -1.0)])) / (h * h);
        for j in 0..i {
            let v = (at(&[(i, 1.0), (j, 1.0)])
                - at(&[(i, 1.0), (j, -1.0)])
                - at(&[(i, -1.0), (j, 1.0)])
                + at(&[(i, -1.0), (j, -1.0)]))
                / (4.0 * h * h);
            m[i][j] = v;
            m[j][i] = v;
        }
    }
    m
}

/// The inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting;
/// `None` when it is singular (or not finite).
fn invert(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| f64::from(u8::from(i == j))));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|x, y| m[*x][col].abs().total_cmp(&m[*y][col].abs()))?;
        let size = m[pivot][col].abs();
        if size.is_nan() || size <= 1e-300 || size.is_infinite() {
            return None;
        }
        m.swap(col, pivot);
        let p = m[col][col];
        for v in &mut m[col] {
            *v /= p;
        }
        for r in 0..n {
            if r != col {
                let factor = m[r][col];
                let pivot_row = m[col].clone();
                for (v, pv) in m[r].iter_mut().zip(&pivot_row) {
                    *v -= factor * pv;
                }
            }
        }
    }
    Some(m.into_iter().map(|r| r[n..].to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invert_gives_the_inverse() {
        let a = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let inv = invert(&a).unwrap();
        assert!((inv[0][0] - 3.0 / 11.0).abs() < 1e-15 && (inv[0][1] + 1.0 / 11.0).abs() < 1e-15);
        assert!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }
}
