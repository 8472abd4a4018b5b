// A CouchDB-protocol push, in two invocations so the counting proxy sees only the push:
//
//   node push.js REMOTE_URL LOCAL_DIR prepare IDS_JSON_FILE   # bring the push checkpoint up to
//                                                             # date, change the documents
//   node push.js REMOTE_URL LOCAL_DIR push                    # replicate local -> remote (timed)
//
// A CHT client syncs both ways all the time, so its push checkpoint is current before it edits;
// without `prepare` the timed push would first check every document the first pull brought.
// Prints one JSON line like replicate.js.
"use strict";

const fs = require("fs");
const PouchDB = require("pouchdb");

async function main() {
  const [remoteUrl, localDir, mode, idsFile] = process.argv.slice(2);
  if (!remoteUrl || !localDir || !["prepare", "push"].includes(mode)) {
    console.error("usage: node push.js REMOTE_URL LOCAL_DIR prepare IDS_JSON_FILE | push");
    process.exit(2);
  }
  const local = new PouchDB(localDir);
  const remote = new PouchDB(remoteUrl);
  const t0 = process.hrtime.bigint();
  let result;
  if (mode === "prepare") {
    result = await PouchDB.replicate(local, remote);
    const ids = JSON.parse(fs.readFileSync(idsFile, "utf8"));
    const found = await local.allDocs({ keys: ids, include_docs: true });
    await local.bulkDocs(found.rows.map((row, i) => ({ ...row.doc, address: `本机修改的地址${i}` })));
  } else {
    result = await PouchDB.replicate(local, remote);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    JSON.stringify({
      ok: result.ok,
      docs_read: result.docs_read,
      docs_written: result.docs_written,
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
