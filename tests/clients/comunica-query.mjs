// Comunica (@comunica/query-sparql) as a SPARQL client of one endpoint, for the tests.
//
//   node comunica-query.mjs ENDPOINT_URL [QUERY]       (the query from stdin without QUERY)
//
// Prints the answer as JSON lines on stdout: one object per solution of a SELECT (variable ->
// term string), one {"subject", "predicate", "object", "graph"} per quad of a CONSTRUCT or
// DESCRIBE, or {"boolean": true|false} for an ASK. Term strings are in the N-Triples style:
// <iri>, _:label, "lexical" (an xsd:string), "lexical"@lang, "lexical"^^<datatype>, the
// lexical form written as a JSON string. An error prints its message on stderr and exits 1.
//
// Comunica is given ENDPOINT_URL alone, as a source of type "sparql". Every HTTP request it
// makes goes through a guard: one to another origin than ENDPOINT_URL's is refused (and fails
// the query). With COMUNICA_REQUEST_LOG=FILE each request (method, URL, headers, body) is
// written to FILE as a JSON line, refused ones included. COMUNICA_STACK=1 prints the error's stack.
import { appendFileSync, readFileSync } from 'node:fs';
import { QueryEngine } from '@comunica/query-sparql';

function term(value) {
  switch (value.termType) {
    case 'NamedNode':
      return `<${value.value}>`;
    case 'BlankNode':
      return `_:${value.value}`;
    case 'Literal': {
      const lexical = JSON.stringify(value.value);
      if (value.language) {
        return value.direction ? `${lexical}@${value.language}--${value.direction}` : `${lexical}@${value.language}`;
      }
      if (value.datatype.value === 'http://www.w3.org/2001/XMLSchema#string') {
        return lexical;
      }
      return `${lexical}^^<${value.datatype.value}>`;
    }
    case 'DefaultGraph':
      return '';
    default:
      return `?${value.value}`;
  }
}

function headersOf(init, input) {
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  return Object.fromEntries(headers.entries());
}

function bodyOf(init) {
  const body = init?.body;
  if (body === undefined || body === null) {
    return null;
  }
  return typeof body === 'string' || body instanceof URLSearchParams ? body.toString() : `<${typeof body}>`;
}

function guardedFetch(endpoint, log) {
  const allowed = new URL(endpoint).origin;
  const fetched = globalThis.fetch;
  return async (input, init) => {
    const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const outside = new URL(url).origin !== allowed;
    if (log) {
      const entry = { method, url, headers: headersOf(init, input), body: bodyOf(init), refused: outside };
      appendFileSync(log, `${JSON.stringify(entry)}\n`);
    }
    if (outside) {
      throw new Error(`refused a request beyond the endpoint's origin: ${method} ${url}`);
    }
    return fetched(input, init);
  };
}

async function main() {
  const [endpoint, given] = process.argv.slice(2);
  if (!endpoint) {
    throw new Error('usage: comunica-query.mjs ENDPOINT_URL [QUERY]');
  }
  const query = given ?? readFileSync(0, 'utf8');
  const fetch = guardedFetch(endpoint, process.env.COMUNICA_REQUEST_LOG);
  // Comunica takes its fetch from the context; the global one is guarded too, for any actor
  // that would not read the context
  globalThis.fetch = fetch;
  const engine = new QueryEngine();
  const result = await engine.query(query, {
    sources: [{ type: 'sparql', value: endpoint }],
    fetch,
    lenient: false,
  });
  const lines = [];
  if (result.resultType === 'boolean') {
    lines.push({ boolean: await result.execute() });
  } else if (result.resultType === 'bindings') {
    for await (const bindings of await result.execute()) {
      const row = {};
      for (const [variable, value] of bindings) {
        row[variable.value] = term(value);
      }
      lines.push(row);
    }
  } else if (result.resultType === 'quads') {
    for await (const quad of await result.execute()) {
      lines.push({
        subject: term(quad.subject),
        predicate: term(quad.predicate),
        object: term(quad.object),
        graph: term(quad.graph),
      });
    }
  } else {
    throw new Error(`unexpected result type: ${result.resultType}`);
  }
  return lines.map(line => `${JSON.stringify(line)}\n`).join('');
}

// process.exit once the output is written: on a pipe, stdout is written asynchronously, and an
// exit before that would cut it short (and Comunica may keep sockets and timers that would hold
// the process otherwise)
main().then(
  output => process.stdout.write(output, () => process.exit(0)),
  (error) => {
    const message = process.env.COMUNICA_STACK ? error?.stack : error?.message ?? error;
    process.stderr.write(`${message}\n`, () => process.exit(1));
  },
);
