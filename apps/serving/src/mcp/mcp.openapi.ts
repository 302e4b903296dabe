/** Example bodies of `POST /mcp` for `/docs`. */
export const MCP_REQUEST_EXAMPLE = {
  initialize: {
    summary: 'Open a conversation (every MCP client starts with it)',
    value: {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'my-agent', version: '1.0.0' },
      },
    },
  },
  call: {
    summary: 'Call get_product_recommendations',
    value: {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: {
        name: 'get_product_recommendations',
        arguments: { customer_id: '17850', product_id: '85123A', limit: 5, recommendation_type: 'all' },
      },
    },
  },
};
