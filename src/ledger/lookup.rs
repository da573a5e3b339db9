//! A clerk's lookup by name (SPEC 14): the names the ledger printed on
//! packets, with their residents' codes. The ledger keeps no birth date.

use super::{all_rows, db_err, Ledger};
use crate::error::Result;

impl Ledger {
    /// Every (住民コード, name as printed) pair of the packets the ledger
    /// records, withdrawn batches' included, by code and name.
    pub(crate) fn printed_names(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT resident_code, name FROM packet
                 UNION SELECT resident_code, name FROM voided_packet
                 ORDER BY 1, 2",
            )
            .map_err(|e| db_err(&self.path, e))?;
        all_rows(
            &self.path,
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))),
        )
    }
}
