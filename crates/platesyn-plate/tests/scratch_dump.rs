mod common;
#[test]
fn dump() {
    let root = common::shared_ref().unwrap();
    for folder in ["bmg_mars_allotropy","bmg_smartcontrol_allotropy","envision_allotropy","kaleido_allotropy"] {
        let mut fs: Vec<_> = std::fs::read_dir(root.join("plates").join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
        fs.sort();
        for f in fs {
            match platesyn_plate::read_path(&f, None) {
                Ok(pf) => {
                    println!("OK {} as {}", f.display(), pf.format);
                    for p in &pf.plates {
                        for r in &p.reads {
                            let n = r.values.iter().filter(|v| v.is_some()).count();
                            println!("   plate {:?} {} read {:?} name {} wl {:?} covered {}", p.id, p.format, r.label, r.name(), r.wavelength_nm, n);
                        }
                        println!("   meta {:?}", p.metadata);
                    }
                }
                Err(e) => println!("ERR {}", e),
            }
        }
    }
}
