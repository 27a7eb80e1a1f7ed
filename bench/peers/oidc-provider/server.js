// The benchmark's peer (docs/benchmarks.md, scenario p): node-oidc-provider with one confidential
// client allowed client_credentials, on 127.0.0.1:$PORT. opending-bench starts it with
// `node server.js`, waits for its first answer and measures POST /token with the same
// connections and duration as opending's scenarios. Tokens live in the provider's default
// in-memory adapter: the peer is measured as it ships, with no database behind it.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 3000);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench-client',
      client_secret: 'bench-client-secret-0123456789abcdef',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
  },
  scopes: ['api'],
  // Two hours, like opending's app tokens (and it silences the provider's notice).
  ttl: { ClientCredentials: 7200 },
});

// Silence the per-request error events; the harness counts statuses itself.
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
