//! Prints what kontor reads from bank statement files and whether each
//! statement passes the import check: `cargo run -p kontor-banking --example show FILE…`.
fn main() {
    for f in std::env::args().skip(1) {
        let bytes = match std::fs::read(&f) {
            Ok(b) => b,
            Err(e) => {
                println!("{f}: {e}");
                continue;
            }
        };
        match kontor_banking::read(&bytes) {
            Err(e) => println!("{f}: REFUSED {e}"),
            Ok(st) => {
                for (i, s) in st.iter().enumerate() {
                    let lines = s.lines.len();
                    let sum: i64 = s.lines.iter().map(|l| l.amount).sum();
                    let v = kontor_banking::check::verify(s, i)
                        .err()
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "ok".into());
                    println!(
                        "{f}: {} {:?} acct={:?} lines={lines} sum={} balances={:?} check={v}",
                        s.version,
                        s.id,
                        s.account.identification(),
                        kontor_banking::cents_dot(sum),
                        s.balances
                            .iter()
                            .map(|b| (b.kind.code().to_string(), b.amount))
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
    }
}
