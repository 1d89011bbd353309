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
