declare module 'unix-crypt-td-js' {
  /** Traditional DES crypt(3); pass the password as bytes to hash UTF-8 like glibc does. */
  function unixCryptTD(pw: string | readonly number[], salt: string | readonly number[]): string;
  export default unixCryptTD;
}
