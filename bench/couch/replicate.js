// One fresh CouchDB-protocol pull: replicate a remote database (pouchdb-server, reached through
// bench_couch.py's counting proxy) into a new local PouchDB on LevelDB, the way a CHT client's
// first sync fills its browser database. Prints one JSON line: documents written and time.
//
//   node replicate.js REMOTE_URL LOCAL_DIR [BATCH_SIZE]
"use strict";

const PouchDB = require("pouchdb");

async function main() {
  const [remoteUrl, localDir, batch] = process.argv.slice(2);
  if (!remoteUrl || !localDir) {
    console.error("usage: node replicate.js REMOTE_URL LOCAL_DIR [BATCH_SIZE]");
    process.exit(2);
  }
  const local = new PouchDB(localDir);
  const remote = new PouchDB(remoteUrl);
  const options = {};
  if (batch) options.batch_size = Number(batch); // PouchDB's default (100) otherwise
  const t0 = process.hrtime.bigint();
  const result = await PouchDB.replicate(remote, local, options);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const info = await local.info();
  console.log(
    JSON.stringify({
      ok: result.ok,
      docs_read: result.docs_read,
      docs_written: result.docs_written,
      doc_count: info.doc_count,
      errors: result.errors.length,
      ms,
    })
  );
  await local.close();
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
