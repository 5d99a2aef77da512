//! A small dense dose grid: rows = drug A doses (ascending, row 0 = dose 0), columns = drug B
//! doses (ascending, column 0 = dose 0).

use serde::{Deserialize, Serialize};

/// Dense `n_a x n_b` grid stored row-major (row index = drug A dose index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid<T> {
    n_a: usize,
    n_b: usize,
    data: Vec<T>,
}

impl<T> Grid<T> {
    /// Build from a function of `(i, j)` = (drug A dose index, drug B dose index).
    pub fn from_fn(n_a: usize, n_b: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(n_a * n_b);
        for i in 0..n_a {
            for j in 0..n_b {
                data.push(f(i, j));
            }
        }
        Self { n_a, n_b, data }
    }

    /// Number of drug A doses (rows), including dose 0.
    pub fn n_a(&self) -> usize {
        self.n_a
    }

    /// Number of drug B doses (columns), including dose 0.
    pub fn n_b(&self) -> usize {
        self.n_b
    }

    /// Cell at drug A index `i`, drug B index `j`. Panics when out of range (indices come
    /// from the grid's own dimensions).
    pub fn get(&self, i: usize, j: usize) -> &T {
        assert!(i < self.n_a && j < self.n_b, "grid index out of range");
        &self.data[i * self.n_b + j]
    }

    /// Mutable cell at `(i, j)`.
    pub fn get_mut(&mut self, i: usize, j: usize) -> &mut T {
        assert!(i < self.n_a && j < self.n_b, "grid index out of range");
        &mut self.data[i * self.n_b + j]
    }

    /// Row-major cells.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// Map every cell.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Grid<U> {
        Grid {
            n_a: self.n_a,
            n_b: self.n_b,
            data: self.data.iter().map(&mut f).collect(),
        }
    }

    /// Iterate `(i, j, &cell)`.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, &T)> {
        let n_b = self.n_b;
        self.data
            .iter()
            .enumerate()
            .map(move |(k, v)| (k / n_b, k % n_b, v))
    }
}

impl<T: Clone> Grid<T> {
    /// Filled with one value.
    pub fn filled(n_a: usize, n_b: usize, value: T) -> Self {
        Self {
            n_a,
            n_b,
            data: vec![value; n_a * n_b],
        }
    }

    /// Swap the roles of drug A and drug B.
    #[must_use]
    pub fn transpose(&self) -> Self {
        Self::from_fn(self.n_b, self.n_a, |i, j| self.get(j, i).clone())
    }
}
