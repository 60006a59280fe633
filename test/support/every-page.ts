/** Paging through a list RPC in the integration tests. */

/** Every page of a list, from the first (empty page_token) to the last (empty next_page_token), in order. */
export async function everyPage<R extends { nextPageToken: string }>(
  page: (pageToken: string) => Promise<R>,
): Promise<R[]> {
  const pages: R[] = [];
  let pageToken = '';
  do {
    const res = await page(pageToken);
    pages.push(res);
    pageToken = res.nextPageToken;
  } while (pageToken !== '');
  return pages;
}
