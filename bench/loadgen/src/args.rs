//! `--key value` command-line options, read once and checked by the caller.

use std::collections::HashMap;
use std::str::FromStr;

pub struct Args(HashMap<String, String>);

impl Args {
    pub fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut map = HashMap::new();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            let Some(key) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument `{arg}`"));
            };
            let (key, value) = match key.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (
                    key.to_owned(),
                    args.next().ok_or(format!("--{key} needs a value"))?,
                ),
            };
            map.insert(key, value);
        }
        Ok(Args(map))
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    pub fn get<T: FromStr>(&mut self, key: &str, default: T) -> Result<T, String> {
        match self.0.remove(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{key}: `{v}` is not a valid value")),
        }
    }

    /// Fails on options nobody read, so a typo is not silently ignored.
    pub fn finish(self) -> Result<(), String> {
        match self.0.keys().next() {
            Some(k) => Err(format!("unknown option --{k}")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        Args::parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn reads_both_forms_and_defaults() {
        let mut a = args(&["--rate", "1000", "--duration=2.5"]).unwrap();
        assert_eq!(a.get("rate", 0.0).unwrap(), 1000.0);
        assert_eq!(a.get("duration", 1.0).unwrap(), 2.5);
        assert_eq!(a.get("connections", 4usize).unwrap(), 4);
        assert!(a.finish().is_ok());
    }

    #[test]
    fn rejects_typos_and_bad_values() {
        assert!(args(&["rate"]).is_err());
        assert!(args(&["--rate"]).is_err());
        let mut a = args(&["--rate", "fast"]).unwrap();
        assert!(a.get("rate", 0.0).is_err());
        let a = args(&["--conections", "4"]).unwrap();
        assert_eq!(a.finish().unwrap_err(), "unknown option --conections");
    }
}
