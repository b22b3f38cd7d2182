// Run once by the mongo image, when its data volume is still empty: the app's own user, which may
// read and write the backoffice database and nothing else (the root account stays for administration).
db.getSiblingDB("backoffice").createUser({
  user: "backoffice",
  pwd: process.env.MONGO_APP_PASSWORD,
  roles: [{ role: "readWrite", db: "backoffice" }],
});
