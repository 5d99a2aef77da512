//! The `platesyn` command-line tool: parses arguments, wires the library crates, shows progress.

fn main() {
    println!("platesyn");
}
