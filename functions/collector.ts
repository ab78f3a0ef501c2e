// Placeholder: the real handler (issue 5) replaces this file. Exists so infra can bundle the entry.
export const handler = async (): Promise<{ status: string }> => {
  throw new Error('collector handler not built yet');
};
