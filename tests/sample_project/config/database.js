// The project's production database: a test copy must never use it (the harness replaces this file).
module.exports = ({ env }) => ({
  connection: {
    client: 'postgres',
    connection: { host: env('DATABASE_HOST', 'db.example.invalid'), database: 'production' },
  },
});
