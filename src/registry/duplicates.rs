//! 住民コード shared by two or more 住民 rows (SPEC 1: every copy is rejected).

use std::collections::HashMap;

use crate::model::CodeKey;

/// 住民コード values shared by two or more 住民 rows, with their lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct Duplicates {
    lines: HashMap<String, Vec<u32>>,
    /// With a card file: join keys shared by two or more 住民 rows (each
    /// would take the same card record, and the same person be noticed
    /// twice).
    join: HashMap<String, Vec<u32>>,
}

impl Duplicates {
    /// Finds the shared codes among `(code, line)` pairs of 住民 rows.
    #[cfg(test)]
    pub(crate) fn find(codes: Vec<(CodeKey, u32)>) -> Self {
        Self::find_checked(codes.into_iter().map(|(k, l)| (k, l, 0)).collect(), |_| {
            true
        })
    }

    /// Finds the shared codes among `(code, line, file offset)` of 住民 rows,
    /// keeping only the copies `usable(offset)` confirms (a copy with a byte
    /// that is not CP932 elsewhere in its row is rejected for that, and
    /// does not make its twin a duplicate). `usable` runs only for the
    /// candidates, so the first pass need not decode every field.
    pub(crate) fn find_checked(
        mut codes: Vec<(CodeKey, u32, u64)>,
        mut usable: impl FnMut(u64) -> bool,
    ) -> Self {
        codes.sort_unstable();
        let mut lines: HashMap<String, Vec<u32>> = HashMap::new();
        for run in codes.chunk_by(|a, b| a.0 == b.0) {
            if run.len() < 2 {
                continue;
            }
            let kept: Vec<u32> = run
                .iter()
                .filter(|(_, _, offset)| usable(*offset))
                .map(|(_, line, _)| *line)
                .collect();
            if kept.len() > 1 {
                lines.insert(run[0].0.as_str().to_string(), kept);
            }
        }
        Duplicates {
            lines,
            join: HashMap::new(),
        }
    }

    /// The same, with the join keys shared by 住民 rows found likewise.
    pub(crate) fn with_join_keys(
        mut self,
        keys: Vec<(CodeKey, u32, u64)>,
        usable: impl FnMut(u64) -> bool,
    ) -> Self {
        self.join = Self::find_checked(keys, usable).lines;
        self
    }

    /// The lines sharing the join key `key`, when it is shared.
    pub(crate) fn join_lines_of(&self, key: &str) -> Option<&[u32]> {
        self.join.get(key).map(|v| v.as_slice())
    }

    /// The lines sharing `code`, when it is shared.
    pub(crate) fn lines_of(&self, code: &str) -> Option<&[u32]> {
        self.lines.get(code).map(|v| v.as_slice())
    }

    /// Number of shared codes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }
}
